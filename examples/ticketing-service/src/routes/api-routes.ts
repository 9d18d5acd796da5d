import type { Router } from '../http/router.js'
import { registerAccountRoutes } from './account-routes.js'
import { registerAdminRoutes } from './admin-routes.js'
import type { ApiDeps } from './context.js'
import { registerEventRoutes } from './event-routes.js'
import { registerOrderRoutes } from './order-routes.js'

/** Registers the JSON API: users, sessions, events, orders, refunds and the admin role change. */
export function registerApiRoutes(router: Router, deps: ApiDeps): void {
  registerAccountRoutes(router, deps)
  registerEventRoutes(router, deps)
  registerOrderRoutes(router, deps)
  registerAdminRoutes(router, deps)
}
