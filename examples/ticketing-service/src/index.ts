export { startTicketingService, type TicketingService, type TicketingServiceOptions } from './service.js'
export { type PackageName, WIRED_PACKAGES } from './wiring/status.js'
