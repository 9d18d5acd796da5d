import type { Logger } from '@opskit/core'
import type { NotificationLogEntry } from '../alerting/notification-log.js'
import type { Silence } from '../alerting/silences.js'
import type { Incident } from '../incidents/incident.js'
import type { AlertInstance } from '../rules/alert-types.js'
import type { MonitorStore, StateDocument, StateKind } from '../store/monitor-store.js'
import type { AlertsApi, AlertsHooks } from './alerts-api.js'

/** Everything the monitor restores after a restart or on becoming the leader. */
export interface PersistedState {
  alerts: AlertInstance[]
  silences: Silence[]
  incidents: Incident[]
  log: Array<[string, NotificationLogEntry]>
}

/** Write-behind persistence: changes are queued in order; `flush()` waits for them. */
export interface Persistence {
  put(kind: StateKind, id: string, body: unknown): void
  saveIncident(incident: Incident): void
  delete(kind: StateKind, id: string): void
  replaceAll(kind: StateKind, documents: StateDocument[]): void
  flush(): Promise<void>
  /** The stored state; incidents: the open ones and those resolved at or after `resolvedSince`. */
  load(resolvedSince: number): Promise<PersistedState>
}

/** How long after its resolution an incident is restored (a manual resolve's silence lasts 24 h). */
export const RESTORE_RESOLVED_MS = 24 * 3_600_000

/** Builds {@link Persistence} over a store; failures are logged and the next change retries the write. */
export function createPersistence(store: MonitorStore, logger: Logger): Persistence {
  let chain: Promise<void> = Promise.resolve()
  const enqueue = (what: string, run: () => Promise<void>) => {
    chain = chain
      .then(run)
      .catch((error: unknown) => logger.error({ err: error }, `monitor state: ${what} failed`))
  }
  return {
    put: (kind, id, body) => enqueue(`saving ${kind}`, () => store.put(kind, id, body)),
    saveIncident: (incident) =>
      enqueue('saving an incident', () => store.saveIncident(incident.tenantId ?? '', incident)),
    delete: (kind, id) => enqueue(`deleting ${kind}`, () => store.delete(kind, id)),
    replaceAll: (kind, docs) => enqueue(`saving ${kind}s`, () => store.replaceAll(kind, docs)),
    flush: () => chain,
    async load(resolvedSince) {
      await chain
      const [alerts, silences, incidents, log] = await Promise.all([
        store.list<AlertInstance>('alert'),
        store.list<Silence>('silence'),
        store.openIncidents(resolvedSince),
        store.list<NotificationLogEntry>('nflog'),
      ])
      return {
        alerts: alerts.map((d) => d.body),
        silences: silences.map((d) => d.body),
        incidents,
        log: log.map((d) => [d.id, d.body] as [string, NotificationLogEntry]),
      }
    },
  }
}

/** Plugs persistence into the alerting hooks and restores the stored state; returns the reload. */
export async function wirePersistence(
  persistence: Persistence,
  hooks: AlertsHooks,
  alerting: Pick<AlertsApi, 'engine' | 'silences' | 'dispatcher'>,
  now: () => number,
): Promise<() => Promise<void>> {
  const reload = async () => {
    const state = await persistence.load(now() - RESTORE_RESOLVED_MS)
    alerting.engine.restore(state.alerts)
    alerting.silences.restore(state.silences)
    alerting.dispatcher.restore({ incidents: state.incidents, log: state.log })
  }
  hooks.onIncident = (i) => persistence.saveIncident(i)
  hooks.onSilence = (s) => persistence.put('silence', s.id, s)
  hooks.onLog = (key, entry) =>
    entry ? persistence.put('nflog', key, entry) : persistence.delete('nflog', key)
  hooks.afterEvaluate = async (instances) => {
    persistence.replaceAll(
      'alert',
      instances.map((i) => ({ id: `${i.rule}|${i.fingerprint}`, body: i })),
    )
    await persistence.flush()
  }
  await reload()
  return reload
}
