/**
 * An async read shared by the callers of one collection and reused for `maxAgeMs` (one scrape or
 * evaluation interval): concurrent callers await the same read, so a burst of scrapes never
 * starts more than one system call per source.
 */
export interface CachedRead<T> {
  get(): Promise<T>
}

/** Builds a {@link CachedRead} over `read`; a failed read is not cached. */
export function cachedRead<T>(read: () => Promise<T>, maxAgeMs: number): CachedRead<T> {
  let last: { at: number; value: T } | undefined
  let running: Promise<T> | undefined
  return {
    get() {
      const now = performance.now()
      if (last && now - last.at < maxAgeMs) return Promise.resolve(last.value)
      if (running) return running
      running = read().then(
        (value) => {
          last = { at: performance.now(), value }
          running = undefined
          return value
        },
        (error: unknown) => {
          running = undefined
          throw error
        },
      )
      return running
    },
  }
}
