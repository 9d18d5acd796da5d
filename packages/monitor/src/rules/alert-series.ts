import type { AlertInstance } from './alert-types.js'
import { type Labels, labelsKey } from './labels.js'
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

  return {
    /** Writes the active instances of rule `key` at `ts`. */
    write(key: string, instances: Iterable<AlertInstance>, ts: number): void {
      const now: Array<{ written: Written; activeAt: number }> = []
      const alertKeys = new Set<string>()
      const forStateKeys = new Set<string>()
      for (const instance of instances) {
        if (instance.state === 'inactive') continue
        const written = labelsOf(instance)
        now.push({ written, activeAt: instance.activeAt })
        alertKeys.add(written.alertsKey)
        forStateKeys.add(written.forStateKey)
      }
      // markers first: a series written again at `ts` (a re-fired alert) keeps its sample
      for (const w of previous.get(key) ?? []) {
        if (!alertKeys.has(w.alertsKey))
          history.appendKeyed(ALERTS_METRIC, w.alerts, w.alertsKey, ts, 0, true)
        if (!forStateKeys.has(w.forStateKey))
          history.appendKeyed(ALERTS_FOR_STATE_METRIC, w.forState, w.forStateKey, ts, 0, true)
      }
      for (const { written: w, activeAt } of now) {
        history.appendKeyed(ALERTS_METRIC, w.alerts, w.alertsKey, ts, 1)
        history.appendKeyed(ALERTS_FOR_STATE_METRIC, w.forState, w.forStateKey, ts, activeAt / 1000)
      }
      if (now.length > 0)
        previous.set(
          key,
          now.map((n) => n.written),
        )
      else previous.delete(key)
    },
    /** Forgets a removed rule. */
    forget(key: string): void {
      previous.delete(key)
    },
  }
}
