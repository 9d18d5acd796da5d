/** The opskit packages the example wires, and whether each one is wired in this build. */
export type PackageName = 'audit' | 'notify' | 'monitor' | 'reports' | 'ml'

/**
 * Which packages are wired. A package is wired once its public API for the example's need is
 * committed; until then the demo reports its steps as "not available yet" instead of faking them.
 */
export const WIRED_PACKAGES: Record<PackageName, boolean> = {
  audit: false,
  notify: false,
  monitor: true,
  reports: false,
  ml: false,
}
