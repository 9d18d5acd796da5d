import type { RouteConfig } from '../alerting/routing.js'

/**
 * A routing tree whose every grouping includes the tenant label, so that no aggregation group,
 * and so no incident, ever holds two tenants' alerts. `['...']` (every label) already does; a
 * root without `groupBy` (one group for everything) groups by the tenant.
 */
export function withTenantGrouping(config: RouteConfig, tenantLabel: string, root = true): RouteConfig {
  const groupBy = config.groupBy ?? (root ? [] : undefined)
  return {
    ...config,
    ...(groupBy === undefined
      ? {}
      : {
          groupBy:
            groupBy.includes('...') || groupBy.includes(tenantLabel) ? groupBy : [...groupBy, tenantLabel],
        }),
    ...(config.routes ? { routes: config.routes.map((r) => withTenantGrouping(r, tenantLabel, false)) } : {}),
  }
}
