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

function isTenantMode(mode: unknown): mode is TenantMode {
  return mode === 'off' || mode === 'optional' || mode === 'required'
}

function modeError(mode: unknown, errors: TenantScopeErrors): Error {
  return errors.invalid(`tenantMode must be 'off', 'optional' or 'required', got ${JSON.stringify(mode)}`)
}

/**
 * The tenant-id rule of every opskit package, applied to one call: the validated tenant id, or
 * `undefined` when the call names none and `mode` allows that (`'off'`, `'optional'`). Throws
 * `errors.required` for no tenant under `'required'`, `errors.invalid` for a tenant under `'off'`,
 * a malformed id (the empty string would alias {@link NO_TENANT}) or an unknown mode.
 *
 * What `undefined` means is the caller's: a {@link TenantScope} stores and reads it as
 * {@link NO_TENANT}; audit's reads take it as "the whole log" under `'optional'`.
 *
 * @example
 * ```ts
 * checkTenantId('optional', undefined, errors) // undefined
 * checkTenantId('optional', 'acme', errors) // 'acme'
 * checkTenantId('off', 'acme', errors) // throws errors.invalid(…)
 * ```
 */
export function checkTenantId(
  mode: TenantMode,
  tenantId: string | undefined,
  errors: TenantScopeErrors,
): string | undefined {
  if (!isTenantMode(mode)) throw modeError(mode, errors)
  if (tenantId === undefined) {
    if (mode === 'required') throw errors.required('tenantId is required (tenantMode: required)')
    return undefined
  }
  if (mode === 'off') throw errors.invalid('tenantId given but tenantMode is off')
  if (typeof tenantId !== 'string' || !TENANT_ID.test(tenantId))
    throw errors.invalid('tenantId must be 1–128 letters, digits or . _ : @ -')
  return tenantId
}

/**
 * Makes the {@link TenantScope} of a package for `mode` ({@link checkTenantId}, with no tenant
 * resolved to {@link NO_TENANT}). An unknown mode throws `errors.invalid` here, not at the first call.
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
  if (!isTenantMode(mode)) throw modeError(mode, errors)
  return (tenantId) => checkTenantId(mode, tenantId, errors) ?? NO_TENANT
}
