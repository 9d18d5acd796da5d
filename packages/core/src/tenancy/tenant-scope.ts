/**
 * How a package treats tenants, the same in every opskit package:
 * - `'off'`: no tenants; a call that names one is refused (so a host never believes rows are
 *   isolated when they are not).
 * - `'optional'`: a call may name a tenant; a call without one works on the rows stored without a
 *   tenant, a scope of its own, and never sees any tenant's rows.
 * - `'required'`: every call names a tenant; a call without one is refused.
 *
 * In no mode can a call read, change or delete another tenant's rows.
 */
export type TenantMode = 'off' | 'optional' | 'required'

/** The tenant stored on rows written without one (`tenantMode` `'off'`, or `'optional'` without a tenant). */
export const NO_TENANT = ''

/** A tenant id's shape: 1–128 of letters, digits and `. _ : @ -` (what audit has always accepted). */
const TENANT_ID = /^[A-Za-z0-9._:@-]{1,128}$/

/** The errors a {@link TenantScope} throws, made by the package that owns it. */
export interface TenantScopeErrors {
  /** A call without a tenant under `'required'`. */
  required: (message: string) => Error
  /** A malformed tenant id, or any tenant under `'off'`. */
  invalid: (message: string) => Error
}

/**
 * Resolves the tenant of one call: the stored tenant value (`NO_TENANT` for none), or a typed
 * error. Every store query filters on the value it returns.
 */
export type TenantScope = (tenantId: string | undefined) => string

/**
 * Makes the {@link TenantScope} of a package for `mode`.
 *
 * @example
 * ```ts
 * const tenantOf = createTenantScope('required', {
 *   required: (m) => new NotifyError('NOTIFY_TENANT_REQUIRED', m),
 *   invalid: (m) => new NotifyError('NOTIFY_INVALID_INPUT', m),
 * })
 * tenantOf('acme') // 'acme'
 * tenantOf(undefined) // throws NOTIFY_TENANT_REQUIRED
 * ```
 */
export function createTenantScope(mode: TenantMode, errors: TenantScopeErrors): TenantScope {
  if (mode !== 'off' && mode !== 'optional' && mode !== 'required')
    throw errors.invalid(`tenantMode must be 'off', 'optional' or 'required', got ${JSON.stringify(mode)}`)
  return (tenantId) => {
    if (tenantId === undefined) {
      if (mode === 'required') throw errors.required('tenantId is required (tenantMode: required)')
      return NO_TENANT
    }
    if (mode === 'off') throw errors.invalid('tenantId given but tenantMode is off')
    if (typeof tenantId !== 'string' || !TENANT_ID.test(tenantId))
      throw errors.invalid('tenantId must be 1–128 letters, digits or . _ : @ -')
    return tenantId
  }
}
