import type { HostDatabase } from '@opskit/core'
import type { NotifyStore } from './notify-store.js'
import type { TemplateKey, TemplateRecord } from './records.js'

/** A stored template as a row: partials have an empty channel and locale; `body` is JSON. */
export interface TemplateRow {
  kind: string
  name: string
  channel: string
  locale: string
  body: string
  /** bigint: PostgreSQL returns it as a string. */
  updated_at: number | string
}

/** The row of a template record. */
export function toTemplateRow(record: TemplateRecord): TemplateRow {
  if (record.kind === 'partial') {
    const body = JSON.stringify({ source: record.source })
    return { kind: 'partial', name: record.name, channel: '', locale: '', body, updated_at: record.updatedAt }
  }
  const { name, channel, locale, ...parts } = record.template
  return {
    kind: 'template',
    name,
    channel,
    locale,
    body: JSON.stringify(parts),
    updated_at: record.updatedAt,
  }
}

/** The template record of a row. */
export function fromTemplateRow(row: TemplateRow): TemplateRecord {
  const body = JSON.parse(String(row.body)) as Record<string, string>
  const updatedAt = Number(row.updated_at)
  if (row.kind === 'partial')
    return { kind: 'partial', name: String(row.name), source: String(body.source), updatedAt }
  return {
    kind: 'template',
    template: {
      ...body,
      name: String(row.name),
      channel: String(row.channel) as never,
      locale: String(row.locale),
    },
    updatedAt,
  }
}

/** Partials first, then by name, channel and locale: the order `listTemplates()` promises. */
export function compareTemplateRows(a: TemplateRow, b: TemplateRow): number {
  const rank = (row: TemplateRow) => (row.kind === 'partial' ? 0 : 1)
  return (
    rank(a) - rank(b) ||
    a.name.localeCompare(b.name) ||
    a.channel.localeCompare(b.channel) ||
    a.locale.localeCompare(b.locale)
  )
}

const keyOf = (key: TemplateKey) => ({
  kind: key.kind,
  name: key.name,
  channel: key.kind === 'partial' ? '' : (key.channel ?? ''),
  locale: key.kind === 'partial' ? '' : (key.locale ?? ''),
})

/** The template methods of the Kysely store, on `<prefix>notify_templates`, per tenant. */
export function kyselyTemplateMethods(
  db: HostDatabase,
  table: string,
): Required<Pick<NotifyStore, 'listTemplates' | 'saveTemplate' | 'deleteTemplate'>> {
  return {
    async listTemplates(tenantId) {
      const rows = (await db
        .selectFrom(table)
        .select(['kind', 'name', 'channel', 'locale', 'body', 'updated_at'])
        .where('tenant_id', '=', tenantId)
        .execute()) as unknown as TemplateRow[]
      return rows.sort(compareTemplateRows).map(fromTemplateRow)
    },
    async saveTemplate(tenantId, record) {
      const row = toTemplateRow(record)
      await db
        .insertInto(table)
        .values({ ...row, tenant_id: tenantId })
        .onConflict((oc) =>
          oc
            .columns(['tenant_id', 'kind', 'name', 'channel', 'locale'])
            .doUpdateSet({ body: row.body, updated_at: row.updated_at }),
        )
        .execute()
    },
    async deleteTemplate(tenantId, key) {
      const k = keyOf(key)
      const result = await db
        .deleteFrom(table)
        .where('tenant_id', '=', tenantId)
        .where('kind', '=', k.kind)
        .where('name', '=', k.name)
        .where('channel', '=', k.channel)
        .where('locale', '=', k.locale)
        .executeTakeFirst()
      return Number(result.numDeletedRows) > 0
    },
  }
}

/** The template methods of the memory store, per tenant. */
export function memoryTemplateMethods(): Required<
  Pick<NotifyStore, 'listTemplates' | 'saveTemplate' | 'deleteTemplate'>
> {
  const rows = new Map<string, TemplateRow & { tenantId: string }>()
  const id = (tenantId: string, k: { kind: string; name: string; channel: string; locale: string }) =>
    `${tenantId}\u0000${k.kind}\u0000${k.name}\u0000${k.channel}\u0000${k.locale}`
  return {
    listTemplates: async (tenantId) =>
      [...rows.values()]
        .filter((row) => row.tenantId === tenantId)
        .sort(compareTemplateRows)
        .map(fromTemplateRow),
    async saveTemplate(tenantId, record) {
      const row = toTemplateRow(record)
      rows.set(id(tenantId, row), { ...row, tenantId })
    },
    deleteTemplate: async (tenantId, key) => rows.delete(id(tenantId, keyOf(key))),
  }
}
