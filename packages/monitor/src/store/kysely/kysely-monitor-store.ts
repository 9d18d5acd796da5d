import { DEFAULT_TABLE_PREFIX, type HostDatabase, type Logger, migrate, noopLogger } from '@opskit/core'
import { assertTablePrefix } from '@opskit/core/internal'
import { MonitorError } from '../../errors/monitor-error.js'
import type { MonitorStore, StateDocument, StateKind } from '../monitor-store.js'
import { kyselyHistoryStore } from './kysely-history-store.js'
import { kyselyIncidentStore } from './kysely-incident-store.js'
import { kyselyRuleStore } from './kysely-rule-store.js'
import { monitorMigrations } from './migrations.js'

/** Options of {@link createKyselyMonitorStore}. */
export interface KyselyMonitorStoreOptions {
  /** The host's Kysely (SQLite or PostgreSQL); the store never closes it. */
  db: HostDatabase
  /** Prefix of the store's tables (`<prefix>monitor_state`, `…monitor_rules`, `…monitor_incidents`). @default 'opskit_' */
  tablePrefix?: string
  /** @default noopLogger */
  logger?: Logger
}

/**
 * A {@link MonitorStore} on the host's database: documents in `<prefix>monitor_state`, rules
 * created at run time in `<prefix>monitor_rules`, incidents in `<prefix>monitor_incidents`. Resolves
 * once the migrations (namespace `monitor`) have run.
 */
export async function createKyselyMonitorStore(options: KyselyMonitorStoreOptions): Promise<MonitorStore> {
  const prefix = assertTablePrefix(options.tablePrefix ?? DEFAULT_TABLE_PREFIX)
  const table = `${prefix}monitor_state`
  const { db } = options
  const logger = options.logger ?? noopLogger
  await migrate(db, { namespace: 'monitor', migrations: monitorMigrations, tablePrefix: prefix })
  logger.debug({ table }, 'monitor state store ready')
  let closed = false
  const open = () => {
    if (closed) throw new MonitorError('MONITOR_CLOSED', 'the monitor store is closed')
    return db
  }
  const now = () => Date.now()
  return {
    ...kyselyRuleStore(open, `${prefix}monitor_rules`),
    ...kyselyHistoryStore(open, prefix),
    ...kyselyIncidentStore(open, { incidents: `${prefix}monitor_incidents`, state: table }),
    async put(kind, id, body) {
      const row = { kind, id, body: JSON.stringify(body), updated_at: now() }
      await open()
        .insertInto(table)
        .values(row)
        .onConflict((oc) =>
          oc.columns(['kind', 'id']).doUpdateSet({ body: row.body, updated_at: row.updated_at }),
        )
        .execute()
    },
    async delete(kind, id) {
      await open().deleteFrom(table).where('kind', '=', kind).where('id', '=', id).execute()
    },
    async list<T>(kind: StateKind) {
      const rows = (await open()
        .selectFrom(table)
        .select(['id', 'body'])
        .where('kind', '=', kind)
        .orderBy('id')
        .execute()) as Array<{ id: string; body: string }>
      return rows.map((r) => ({ id: r.id, body: JSON.parse(r.body) as T }))
    },
    async replaceAll(kind, documents: ReadonlyArray<StateDocument>) {
      await open()
        .transaction()
        .execute(async (trx) => {
          await trx.deleteFrom(table).where('kind', '=', kind).execute()
          const at = now()
          for (let i = 0; i < documents.length; i += 200) {
            const chunk = documents.slice(i, i + 200)
            await trx
              .insertInto(table)
              .values(chunk.map((d) => ({ kind, id: d.id, body: JSON.stringify(d.body), updated_at: at })))
              .execute()
          }
        })
    },
    async close() {
      // the host owns `db`: closing the store only stops its use
      closed = true
    },
  }
}
