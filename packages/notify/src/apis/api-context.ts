import type { Clock } from '@opskit/core'
import type { NotifyError } from '../errors/notify-error.js'
import type { NotifyStore } from '../store/notify-store.js'

/** What the notifier's record APIs need: the store, the clock, and the error for invalid input. */
export interface ApiContext {
  store: NotifyStore
  clock: Clock
  invalid: (message: string, issues: unknown) => NotifyError
}
