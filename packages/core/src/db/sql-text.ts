/**
 * `@opskit/core/sql`: parameter markers for SQL text that stores build once and reuse, without
 * loading Kysely (for worker threads that talk to the driver directly).
 */
export type { Dialect } from './host-database.js'
export { placeholder, placeholderRows } from './placeholders.js'
