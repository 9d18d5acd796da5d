import type { Clock, Logger } from '@opskit/core'
import { uuidv7 } from '@opskit/core'
import type { Value } from '../rules/promql/evaluate.js'
import type { RuleEngine } from '../rules/rule-engine-types.js'
import type { SampleSource } from '../rules/sample-source.js'
import { createSlos, type Slos } from '../slo/slo.js'
import type { MonitorHistoryStore } from '../store/history-store.js'
import type { RecordingArchive } from './history-archive.js'
import { type MonitorHistoryOptions, resolveHistoryOptions } from './history-options.js'
import { createInProcessHistoryStore } from './in-process-history-store.js'
import { createMonitorHistory, type MonitorHistory } from './monitor-history.js'

/** What {@link wireMonitorHistory} connects. */
export interface HistoryWiring {
  /** The monitor's store; without one, SLO counts live in the process. */
  store: MonitorHistoryStore | undefined
  options: MonitorHistoryOptions | undefined
  clock: Clock
  logger: Logger
  engine: RuleEngine
  /** This instance's samples: the registry (or the host's source) and the pushed ones. */
  sources: readonly SampleSource[]
}

/** The monitor's history parts: SLOs on persisted counters, the archive and `monitor.query`. */
export interface WiredHistory {
  history: MonitorHistory
  slo: Slos
  query: (expr: string, options?: { at?: number }) => Promise<Value>
}

/**
 * Builds the monitor's history (one id per instance), hands the recording rules' archive to
 * the engine and starts the flush loop once something needs it (an SLO, a recorded sample).
 */
export function wireMonitorHistory(w: HistoryWiring): WiredHistory {
  const history = createMonitorHistory({
    store: w.store ?? createInProcessHistoryStore(),
    persisted: w.store !== undefined,
    options: resolveHistoryOptions(w.options),
    clock: w.clock,
    logger: w.logger,
    instance: uuidv7(),
    async collect() {
      const lists = await Promise.all(w.sources.map((s) => s.collect()))
      return lists.flat()
    },
  })
  const { archive } = history
  if (archive) {
    const recording: RecordingArchive = {
      record(metric, labels, t, value) {
        history.start()
        archive.record(metric, labels, t, value)
      },
      read: (metric, from, to) => archive.read(metric, from, to),
    }
    w.engine.useArchive(recording)
  }
  const slo = createSlos({
    engine: w.engine,
    accounting: history.slo,
    now: () => w.clock.now(),
    onDefine: () => history.start(),
  })
  return { history, slo, query: (expr, options) => w.engine.queryHistory(expr, options) }
}
