import type { Clock, Logger } from '@opskit/core'
import { uuidv7 } from '@opskit/core'
import type { Silence } from '../alerting/silences.js'
import { MonitorError } from '../errors/monitor-error.js'
import type { Incident } from '../incidents/incident.js'
import type { LeaderElector } from '../store/kysely/leader-election.js'
import type { MonitorStore } from '../store/monitor-store.js'
import type { AlertsApi, AlertsHooks, IncidentCommand } from './alerts-api.js'
import { applyIncidentCommand } from './incidents-api.js'
import type { Persistence } from './persistence.js'

/** What leader election is wired to. */
export interface LeadershipContext {
  clock: Clock
  logger: Logger
  elector: LeaderElector
  store: MonitorStore
  persistence: Persistence | undefined
  alerting: Pick<AlertsApi, 'silences' | 'dispatcher'>
  /** Restores the whole stored state (on becoming the leader). */
  reload: () => Promise<void>
}

/** The incident a forwarded command will give, as the follower answers it at once. */
function expectedOutcome(stored: Incident, command: IncidentCommand, now: number): Incident {
  if (command.op === 'note') {
    const { note, assignee } = command.change ?? {}
    const text = note ?? `assigned to ${assignee ?? ''}`
    const event = { at: now, type: 'note' as const, ...(command.by ? { by: command.by } : {}), text }
    return {
      ...stored,
      ...(assignee === undefined ? {} : { assignee }),
      timeline: [...stored.timeline, event],
    }
  }
  if (stored.status === 'resolved') return stored
  if (command.op === 'acknowledge' && stored.status === 'acknowledged') return stored
  return command.op === 'acknowledge'
    ? {
        ...stored,
        status: 'acknowledged',
        acknowledgedAt: stored.acknowledgedAt ?? now,
        acknowledgedBy: stored.acknowledgedBy ?? command.by,
      }
    : { ...stored, status: 'resolved', resolvedAt: now, resolvedBy: command.by, resolution: 'manual' }
}

/**
 * Only the leader evaluates: a new leader restores the stored state, the leader reloads silences
 * and applies the incident actions followers stored; a follower stores its actions for it.
 */
export function wireLeadership(ctx: LeadershipContext, hooks: AlertsHooks): void {
  const { store, alerting, logger } = ctx
  let wasLeader = false
  const applyCommands = async () => {
    for (const { id, body } of await store.list<IncidentCommand>('command')) {
      try {
        await applyIncidentCommand(alerting.dispatcher.incidents, { ...body, tenantId: body.tenantId ?? '' })
      } catch (error) {
        logger.warn({ err: error, command: body }, 'a forwarded incident action could not be applied')
      }
      await store.delete('command', id)
    }
  }
  hooks.canEvaluate = async () => {
    const leader = await ctx.elector.isLeader()
    if (leader && !wasLeader) await ctx.reload()
    else if (leader && ctx.persistence) {
      await ctx.persistence.flush()
      alerting.silences.restore((await store.list<Silence>('silence')).map((d) => d.body))
    }
    wasLeader = leader
    if (leader) await applyCommands()
    return leader
  }
  hooks.onInterval = (ms) => ctx.elector.setInterval?.(ms)
  hooks.forward = async (command) => {
    if (command.op === 'acknowledge' && (typeof command.by !== 'string' || command.by.length === 0))
      throw new MonitorError('MONITOR_INVALID_OPTIONS', 'acknowledge needs who acknowledged')
    const stored = await store.getIncident(command.tenantId, command.incidentId)
    if (!stored) throw new MonitorError('MONITOR_NOT_FOUND', `no incident with id ${command.incidentId}`)
    await store.put('command', uuidv7(), command)
    return expectedOutcome(stored, command, ctx.clock.now())
  }
}
