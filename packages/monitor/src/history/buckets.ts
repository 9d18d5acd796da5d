/**
 * Time buckets of the monitor's history (minute and hour widths are `MINUTE_MS` and `HOUR_MS` in
 * `store/history-store.ts`, where the store contract lives): one helper that every writer, roll-up
 * and reader of buckets uses, in memory and in SQL stores alike.
 */

/** Start of the `stepMs` bucket that `t` falls in: `[start, start + stepMs)` (ms since the epoch). */
export function bucketStart(t: number, stepMs: number): number {
  return Math.floor(t / stepMs) * stepMs
}
