/** A point's timestamp in epoch milliseconds; `NaN` when it is neither a number nor a `Date`. */
export function toMillis(timestamp: number | Date): number {
  return typeof timestamp === 'number'
    ? timestamp
    : timestamp instanceof Date
      ? timestamp.getTime()
      : Number.NaN
}
