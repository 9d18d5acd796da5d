import type { HostDatabase } from '@opskit/core'
import { MonitorError } from '../../errors/monitor-error.js'
import type { RuleStore, StoredRule } from '../monitor-store.js'
import type { RuleSpec } from '../monitor-store-types.js'

interface RuleRow {
  name: string
  version: number | string
  deleted: number | string
  body: string
  updated_at: number | string
}

const toRule = (row: RuleRow): StoredRule => ({
  name: row.name,
  version: Number(row.version),
  rule: JSON.parse(row.body) as RuleSpec,
  updatedAt: Number(row.updated_at),
})

/** The {@link RuleStore} of the Kysely store: table `<prefix>monitor_rules`, tombstones on delete. */
export function kyselyRuleStore(open: () => HostDatabase, table: string): RuleStore {
  const row = async (name: string) =>
    (await open().selectFrom(table).selectAll().where('name', '=', name).executeTakeFirst()) as
      | RuleRow
      | undefined
  const live = async (name: string) => {
    const found = await row(name)
    return found && Number(found.deleted) === 0 ? found : undefined
  }
  /** Why a conditional write matched nothing: the rule is gone, or at another version. */
  const mismatch = async (name: string, version: number): Promise<MonitorError> => {
    const current = await live(name)
    if (!current) return new MonitorError('MONITOR_NOT_FOUND', `no rule named ${name}`)
    return new MonitorError(
      'MONITOR_CONFLICT',
      `rule ${name} is at version ${Number(current.version)}, not ${version}: read it again and retry`,
      { details: { name, version: Number(current.version) } },
    )
  }
  return {
    async listRules() {
      const rows = (await open()
        .selectFrom(table)
        .selectAll()
        .where('deleted', '=', 0)
        .orderBy('name')
        .execute()) as RuleRow[]
      return rows.map(toRule)
    },
    async getRule(name) {
      const found = await live(name)
      return found ? toRule(found) : undefined
    },
    async createRule(name, rule) {
      const body = JSON.stringify(rule)
      const at = Date.now()
      const inserted = await open()
        .insertInto(table)
        .values({ name, version: 1, deleted: 0, body, updated_at: at })
        .onConflict((oc) =>
          oc
            .column('name')
            .doUpdateSet((eb) => ({
              version: eb(eb.ref(`${table}.version`), '+', 1),
              deleted: 0,
              body,
              updated_at: at,
            }))
            .where(`${table}.deleted`, '=', 1),
        )
        .executeTakeFirst()
      if (Number(inserted.numInsertedOrUpdatedRows ?? 0) === 0)
        throw new MonitorError('MONITOR_CONFLICT', `a rule named ${name} already exists`, {
          details: { name },
        })
      return toRule((await row(name)) as RuleRow)
    },
    async updateRule(name, rule, version) {
      const result = await open()
        .updateTable(table)
        .set({ body: JSON.stringify(rule), version: version + 1, updated_at: Date.now() })
        .where('name', '=', name)
        .where('version', '=', version)
        .where('deleted', '=', 0)
        .executeTakeFirst()
      if (Number(result.numUpdatedRows) === 0) throw await mismatch(name, version)
      return toRule((await row(name)) as RuleRow)
    },
    async deleteRule(name, version) {
      let query = open()
        .updateTable(table)
        .set((eb) => ({ deleted: 1, version: eb(eb.ref('version'), '+', 1), updated_at: Date.now() }))
        .where('name', '=', name)
        .where('deleted', '=', 0)
      if (version !== undefined) query = query.where('version', '=', version)
      const result = await query.executeTakeFirst()
      if (Number(result.numUpdatedRows) === 0) throw await mismatch(name, version ?? -1)
    },
    async rulesRevision() {
      const found = (await open()
        .selectFrom(table)
        .select((eb) => eb.fn.sum<number | string | null>('version').as('revision'))
        .executeTakeFirst()) as { revision: number | string | null } | undefined
      return Number(found?.revision ?? 0)
    },
  }
}
