import { parseInput, uuidv7 } from '@opskit/core'
import type { createDownloadLinks } from '../downloads/download-links.js'
import type { ReportNotifier } from '../downloads/hooks.js'
import type {
  BackgroundLoop,
  DispatchResult,
  ReportRef,
  ScheduleInput,
  SchedulerOptions,
  TenantOption,
} from '../reports-types.js'
import type { RunContext } from '../runner/run-context.js'
import { executeRun, type PreparedRun, prepareRun } from '../runner/run-pipeline.js'
import type { RunResult } from '../runner/run-result.js'
import type { ScheduleRecord } from '../store/reports-store.js'
import { invalidParams, scheduleInputSchema } from '../validation/reports-schemas.js'
import { compile, nextSlot } from './cron.js'
import { type PollingLoop, startPollingLoop } from './polling-loop.js'

/** How long a delivered download link stays valid unless the schedule says otherwise. */
const DEFAULT_LINK_LIFETIME_MS = 7 * 24 * 3_600_000

/** What the scheduler needs besides the run context. */
export interface SchedulerContext extends RunContext {
  /** Creates the download links sent with deliveries. */
  links: ReturnType<typeof createDownloadLinks>
  /** Used when a schedule has no notifier in this process. */
  notifier: ReportNotifier | undefined
}

/** Stored delivery settings; `linkExpiresIn` (seconds) is how schedules stored by earlier versions say it. */
interface StoredDelivery {
  to: unknown
  linkExpiresInMs?: number
  linkExpiresIn?: number
}

/**
 * Schedules in the store, run once per slot across instances: `schedule`, `runDueSchedules`
 * (one claim per slot, misfires run once) and a polling loop on the clock.
 */
export function createScheduler(context: SchedulerContext) {
  const { store, clock, logger } = context
  /** Notifiers given to `schedule()` in this process, by schedule id. */
  const notifiers = new Map<string, ReportNotifier>()
  let loop: PollingLoop | undefined

  async function schedule<I>(input: ScheduleInput<I>): Promise<ScheduleRecord> {
    context.assertOpen()
    const { report, tenantId, ...rest } = input
    const tenant = context.tenantOf(tenantId)
    const parsed = parseInput(scheduleInputSchema, rest, invalidParams)
    const zone = parsed.timeZone ?? context.timeZone
    const prepared = prepareRun(context, reportRef(report), parsed.params ?? {}, parsed.format, tenant)
    compile(parsed.cron, zone)
    const now = new Date(clock.now())
    const deliver = parsed.deliver
    const record: ScheduleRecord = {
      id: uuidv7(),
      tenantId: tenant,
      report: prepared.definition.name,
      params: prepared.params,
      cron: parsed.cron,
      timeZone: zone,
      format: parsed.format,
      deliverTo: deliver
        ? {
            to: deliver.to ?? null,
            ...(deliver.linkExpiresInMs && { linkExpiresInMs: deliver.linkExpiresInMs }),
          }
        : null,
      nextRunAt: nextSlot(parsed.cron, zone, now),
      enabled: true,
      createdAt: now,
    }
    await store.insertSchedule(record)
    if (deliver?.notifier) notifiers.set(record.id, deliver.notifier)
    return record
  }

  async function unschedule(id: string, options: TenantOption = {}): Promise<void> {
    const tenant = context.tenantOf(options.tenantId)
    if (!(await store.getSchedule(tenant, id))) return
    notifiers.delete(id)
    await store.deleteSchedule(tenant, id)
  }

  async function schedules(options: TenantOption = {}): Promise<ScheduleRecord[]> {
    return store.listSchedules(context.tenantOf(options.tenantId))
  }

  /** Runs one claimed slot of a schedule under run id `id`; failures are recorded and logged. */
  async function runSlot(schedule: ScheduleRecord, id: string): Promise<void> {
    let prepared: PreparedRun
    try {
      prepared = prepareRun(context, schedule.report, schedule.params, schedule.format, schedule.tenantId)
    } catch (error) {
      await recordUnrunnable(context, schedule, id, error)
      return
    }
    try {
      const result = await executeRun(context, prepared, { scheduleId: schedule.id, id })
      await deliverRun(context, notifiers.get(schedule.id) ?? context.notifier, schedule, result)
    } catch (error) {
      logger.error({ err: error, scheduleId: schedule.id, runId: id }, 'scheduled report failed')
    }
  }

  async function runDueSchedules(): Promise<DispatchResult> {
    context.assertOpen()
    const now = new Date(clock.now())
    const due = await store.dueSchedules(now, 100)
    const started: string[] = []
    let skipped = 0
    for (const schedule of due) {
      const slot = schedule.nextRunAt
      // Misfire policy: however many slots were missed, run once now and move to the next slot after now.
      const next = nextSlot(schedule.cron, schedule.timeZone, now)
      const claimed = await store.claimSlot(schedule.id, slot, now)
      await store.advanceSchedule(schedule.tenantId, schedule.id, slot, next)
      if (!claimed) {
        skipped++
        continue
      }
      const id = uuidv7()
      started.push(id)
      await store.setSlotRun(schedule.id, slot, id)
      await runSlot(schedule, id)
    }
    return { started, skipped }
  }

  function start(options: SchedulerOptions = {}): BackgroundLoop {
    context.assertOpen()
    if (!loop || loop.stopped) {
      loop = startPollingLoop({
        clock,
        logger,
        intervalMs: Math.max(10, options.intervalMs ?? 30_000),
        round: runDueSchedules,
      })
    }
    const running = loop
    return { stop: () => running.stop() }
  }

  /** Stops the polling loop, if any, and waits for its round in progress. */
  async function stop(): Promise<void> {
    await loop?.stop()
  }

  return {
    schedule,
    schedules,
    unschedule,
    runDueSchedules,
    start,
    stop,
  }
}

/** A schedule names a report by its definition or its name. */
function reportRef(report: ReportRef<unknown>): ReportRef {
  if (typeof report === 'string' ? report.length === 0 : typeof report?.name !== 'string')
    throw invalidParams('report: must be a report definition or a report name', [])
  return report
}

/** Sends a scheduled run's artifact, as a download link, through the schedule's notifier. */
async function deliverRun(
  context: SchedulerContext,
  notifier: ReportNotifier | undefined,
  schedule: ScheduleRecord,
  result: RunResult,
): Promise<void> {
  const { store, logger } = context
  const deliverTo = schedule.deliverTo as StoredDelivery | null
  if (!deliverTo) return
  if (!notifier) {
    logger.warn(
      { scheduleId: schedule.id },
      'scheduled report has recipients but no notifier in this process',
    )
    return
  }
  const run = await store.getRun(schedule.tenantId, result.artifactId)
  const link = await context.links.createFor(schedule.tenantId, result.artifactId, {
    expiresInMs:
      deliverTo.linkExpiresInMs ??
      (deliverTo.linkExpiresIn ? deliverTo.linkExpiresIn * 1000 : DEFAULT_LINK_LIFETIME_MS),
    maxDownloads: 10,
  })
  await notifier.send({
    to: deliverTo.to,
    report: schedule.report,
    title: context.registry.get(schedule.report)?.title ?? schedule.report,
    artifactId: result.artifactId,
    filename: run?.filename ?? result.artifactId,
    format: schedule.format,
    rows: result.rows,
    bytes: result.bytes,
    url: link.url,
    expiresAt: link.expiresAt,
    scheduleId: schedule.id,
  })
}

/** Records a scheduled run that could not start (report not registered here, params no longer parse). */
async function recordUnrunnable(
  context: RunContext,
  schedule: ScheduleRecord,
  id: string,
  error: unknown,
): Promise<void> {
  const { store, clock, logger } = context
  const at = new Date(clock.now())
  await store.insertRun({
    id,
    tenantId: schedule.tenantId,
    report: schedule.report,
    format: schedule.format,
    params: schedule.params,
    status: 'failed',
    rows: 0,
    bytes: 0,
    sha256: null,
    durationMs: 0,
    error: String((error as Error)?.message ?? error),
    storageKey: null,
    filename: '',
    contentType: '',
    scheduleId: schedule.id,
    startedAt: at,
    finishedAt: at,
  })
  logger.error({ err: error, scheduleId: schedule.id, runId: id }, 'scheduled report cannot run')
}
