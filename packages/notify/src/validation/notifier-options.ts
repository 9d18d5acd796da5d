import type { TenantMode } from '@opskit/core'
import { createTenantScope, type TenantScope } from '@opskit/core/internal'
import { z } from 'zod'
import { NotifyError } from '../errors/notify-error.js'
import { invalidMessage } from './parse-send-input.js'

/** Schema of `createNotifier({ tenantMode })`. */
export const tenantModeSchema = z.enum(['off', 'optional', 'required'])

/**
 * The notifier's {@link TenantScope}: resolves the `tenantId` of one call to the stored tenant
 * (`''` for none) or throws `NOTIFY_TENANT_REQUIRED` (none under `'required'`) or
 * `NOTIFY_INVALID_MESSAGE` (malformed, or any under `'off'`). An unknown mode is
 * `NOTIFY_INVALID_OPTIONS`.
 */
export function notifyTenantScope(mode: TenantMode | undefined): TenantScope {
  const parsed = tenantModeSchema.safeParse(mode ?? 'off')
  if (!parsed.success) {
    throw new NotifyError(
      'NOTIFY_INVALID_OPTIONS',
      `tenantMode must be 'off', 'optional' or 'required', got ${JSON.stringify(mode)}`,
    )
  }
  return createTenantScope(parsed.data, {
    required: (message) => new NotifyError('NOTIFY_TENANT_REQUIRED', message),
    invalid: (message) => invalidMessage(message, [{ path: 'tenantId', message }]),
  })
}
