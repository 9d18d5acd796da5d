export { startTicketingService, type TicketingService, type TicketingServiceOptions } from './service.js'
export { FEATURES, type Feature, type FeatureStatus, unavailableReason } from './wiring/status.js'
