import type { Clock } from '@opskit/core'
import type { TenantScope } from '@opskit/core/internal'
import type { NotifyError } from '../errors/notify-error.js'
import type { NotifyStore } from '../store/notify-store.js'

/** What the notifier's record APIs need: the store, the clock, the error for invalid input, the tenant scope. */
export interface ApiContext {
  store: NotifyStore
  clock: Clock
  invalid: (message: string, issues: unknown) => NotifyError
  /** Resolves a call's `tenantId` (see `tenantMode`); every store call gets its result. */
  tenantOf: TenantScope
}
