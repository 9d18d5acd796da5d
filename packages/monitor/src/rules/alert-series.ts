import { type Labels, labelsKey } from '../labels/labels.js'
import type { AlertInstance } from './alert-types.js'
import type { SampleHistory } from './sample-history.js'

/** The series Prometheus writes for active alerts: `ALERTS{…, alertstate}` 1 and `ALERTS_FOR_STATE{…}` activeAt. */
export const ALERTS_METRIC = 'ALERTS'
export const ALERTS_FOR_STATE_METRIC = 'ALERTS_FOR_STATE'

interface Written {
  alerts: Labels
  alertsKey: string
  forState: Labels
  forStateKey: string
  state: string
}

/**
 * Writes, after each evaluation of an alerting rule, its pending and firing instances as
 * Prometheus does: `ALERTS{<alert labels>, alertstate="pending"|"firing"} 1` and
 * `ALERTS_FOR_STATE{<alert labels>} <activeAt in seconds>`, and marks stale the series of the
 * rule's previous evaluation that are gone (a resolved alert, or pending turned firing). opskit's
 * `nodata` and `error` states count as firing.
 */
export function createAlertSeriesWriter(history: SampleHistory) {
  const cache = new WeakMap<AlertInstance, Written>()
  /** What each rule wrote at its last evaluation. */
  const previous = new Map<string, Written[]>()

  const labelsOf = (instance: AlertInstance): Written => {
    const state = instance.state === 'pending' ? 'pending' : 'firing'
    let written = cache.get(instance)
    if (!written || written.state !== state) {
      const alerts = { ...instance.labels, alertstate: state }
      const forState = { ...instance.labels }
      written = { alerts, alertsKey: labelsKey(alerts), forState, forStateKey: labelsKey(forState), state }
      cache.set(instance, written)
    }
    return written
  }

  /** Marks stale what rule `key` wrote last time and does not write now (before the new samples). */
  const markGone = (written: readonly Written[], ts: number, before: readonly Written[]) => {
    const alertKeys = new Set(written.map((w) => w.alertsKey))
    const forStateKeys = new Set(written.map((w) => w.forStateKey))
    for (const w of before) {
      if (!alertKeys.has(w.alertsKey)) history.appendKeyed(ALERTS_METRIC, w.alerts, w.alertsKey, ts, 0, true)
      if (!forStateKeys.has(w.forStateKey))
        history.appendKeyed(ALERTS_FOR_STATE_METRIC, w.forState, w.forStateKey, ts, 0, true)
    }
  }

  return {
    /** Writes the active instances of rule `key` at `ts`. */
    write(key: string, instances: Iterable<AlertInstance>, ts: number): void {
      const before = previous.get(key) ?? []
      const active: AlertInstance[] = []
      const written: Written[] = []
      let unchanged = true
      for (const instance of instances) {
        if (instance.state === 'inactive') continue
        const w = labelsOf(instance)
        if (before[written.length] !== w) unchanged = false
        active.push(instance)
        written.push(w)
      }
      if (written.length !== before.length) unchanged = false
      // markers first: a series written again at `ts` (a re-fired alert) keeps its sample
      if (!unchanged) markGone(written, ts, before)
      for (let i = 0; i < written.length; i++) {
        const w = written[i] as Written
        history.appendKeyed(ALERTS_METRIC, w.alerts, w.alertsKey, ts, 1)
        history.appendKeyed(
          ALERTS_FOR_STATE_METRIC,
          w.forState,
          w.forStateKey,
          ts,
          (active[i] as AlertInstance).activeAt / 1000,
        )
      }
      if (unchanged) return
      if (written.length > 0) previous.set(key, written)
      else previous.delete(key)
    },
    /** Forgets a removed rule. */
    forget(key: string): void {
      previous.delete(key)
    },
  }
}
