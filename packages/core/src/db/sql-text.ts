/**
 * `@opskit/core/sql`: parameter markers for SQL text that stores build once and reuse, and a
 * prepared-statement cache, without loading Kysely (for worker threads that talk to the driver
 * directly).
 */

export { createStatementCache, type StatementCache } from '../sqlite/statement-cache.js'
export type { Dialect } from './host-database.js'
export { placeholder, placeholderRows } from './placeholders.js'
