import type { HostDatabase } from '@opskit/core'
import type { Dialect } from '@opskit/core/internal'
import type { notifyTables } from './migrations.js'
import type { SendPath } from './send-path.js'

/** What the Kysely store's method groups share: the database, the table names, the send path. */
export interface KyselyStoreContext {
  db: HostDatabase
  t: ReturnType<typeof notifyTables>
  dialect: Dialect
  /** The statements of every send: cached SQL text, batched reads, group-committed writes on SQLite. */
  sendPath: SendPath
}
