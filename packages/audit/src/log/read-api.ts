import { Readable } from 'node:stream'
import { AuditError } from '../errors/audit-error.js'
import { decodeEvent, type EventBody, keyIdsOf } from '../event/event-body.js'
import type { AuditEvent } from '../event/event-schema.js'
import { exportChunks } from '../export/export-format.js'
import type { StoredEventRow, StoreFilter } from '../store/audit-store.js'
import type { ActivitySummary, AuditLog, AuditPage, AuditViewer, ComplianceSummary } from './audit-log.js'
import { type AuditLogContext, actorOf, keysById } from './log-context.js'
import { decodeCursor, describeFilter, encodeCursor, toStoreFilter } from './read-filter.js'

/** Rows read per page while scanning. */
export const SCAN_PAGE = 1_000

/** The read API of {@link AuditLog}: query, summaries and export, each recorded as an `audit.*` event. */
export type AuditReadApi = Pick<AuditLog, 'query' | 'activitySummary' | 'complianceSummary' | 'export'>

/** Every row matching `filter`, newest first, a page at a time. */
export async function* scanRows(
  context: Pick<AuditLogContext, 'store'>,
  filter: StoreFilter,
): AsyncGenerator<StoredEventRow[]> {
  let beforeId: string | undefined
  for (;;) {
    const rows = await context.store.readEvents(filter, { limit: SCAN_PAGE, beforeId })
    yield rows
    if (rows.length < SCAN_PAGE) return
    beforeId = (rows[rows.length - 1] as StoredEventRow).id
  }
}

/** Decodes rows into events, decrypting personal fields whose subject key still exists. */
async function decodeRows(
  context: Pick<AuditLogContext, 'store'>,
  rows: StoredEventRow[],
): Promise<AuditEvent[]> {
  const bodies = rows.map((row) => JSON.parse(row.body) as EventBody)
  const keyIds = [...new Set(bodies.flatMap(keyIdsOf))]
  const keys = keysById(await context.store.getKeys(keyIds))
  return rows.map((row, index) => decodeEvent(row, bodies[index] as EventBody, keys))
}

/** Records a read of the log as an `audit.*` event (unless `auditReads` is off). */
async function auditRead(
  context: AuditLogContext,
  read: {
    action: string
    category: 'compliance' | 'export' | 'data_access'
    viewer: AuditViewer | undefined
  },
  tenantId: string | undefined,
  metadata: Record<string, unknown>,
): Promise<void> {
  if (!context.options.auditReads) return
  await context.log({
    action: read.action,
    category: read.category,
    actor: actorOf(read.viewer),
    target: { type: 'audit_log', ...(tenantId !== undefined ? { id: tenantId } : {}) },
    ...(tenantId !== undefined ? { tenantId } : {}),
    metadata,
  })
}

/** Counts by category and outcome and the compliance counters of one row. */
function countCompliance(summary: ComplianceSummary, row: StoredEventRow): void {
  summary.total++
  summary.byCategory[row.category] = (summary.byCategory[row.category] ?? 0) + 1
  summary.byOutcome[row.outcome] = (summary.byOutcome[row.outcome] ?? 0) + 1
  if (row.action === 'user.login' && row.outcome === 'failure') summary.failedLogins++
  if (row.category === 'admin' || row.category === 'permission_change') summary.privilegedActions++
  if (
    row.category === 'pii_access' ||
    (row.category === 'export' && (JSON.parse(row.body) as EventBody).metadata?.personalData === true)
  )
    summary.personalDataExports++
  if (row.category === 'security' && (row.severity === 'error' || row.severity === 'critical'))
    summary.securityIncidents++
}

/** The streaming export: flushes first, records `audit.export` when the stream ends or is dropped. */
function exportEvents(
  context: AuditLogContext,
  ...[filter, exportOptions]: Parameters<AuditLog['export']>
): Readable {
  const format = exportOptions.format
  if (!['csv', 'ndjson', 'json', 'ocsf'].includes(format))
    throw new AuditError('AUDIT_INVALID_QUERY', 'invalid export: format must be csv, ndjson, json or ocsf')
  const storeFilter = toStoreFilter(filter, context.options.tenantMode)
  const chunks = exportChunks(format)
  async function* generate(): AsyncGenerator<string> {
    await context.flush()
    let count = 0
    let completed = false
    try {
      yield chunks.header
      let buffer = ''
      for await (const rows of scanRows(context, storeFilter)) {
        for (const event of await decodeRows(context, rows)) {
          buffer += chunks.event(event, count++)
          if (buffer.length >= 65_536) {
            yield buffer
            buffer = ''
          }
        }
      }
      yield buffer + chunks.footer
      completed = true
    } finally {
      // Recorded also when the consumer stops early: the attempt is what compliance asks about.
      await auditRead(
        context,
        { action: 'audit.export', category: 'export', viewer: filter.viewer },
        storeFilter.tenantId,
        {
          filter: describeFilter(storeFilter),
          format,
          exported: count,
          completed,
        },
      )
    }
  }
  return Readable.from(generate(), { objectMode: false })
}

/** Query, summaries and export over the log's store. */
export function createReadApi(context: AuditLogContext): AuditReadApi {
  const { store, options } = context
  return {
    async query(filter = {}) {
      const storeFilter = toStoreFilter(filter, options.tenantMode)
      const limit = filter.limit ?? 100
      if (!Number.isInteger(limit) || limit < 1 || limit > 1000)
        throw new AuditError('AUDIT_INVALID_QUERY', 'invalid query: limit must be an integer in 1..1000')
      const beforeId = filter.cursor !== undefined ? decodeCursor(filter.cursor) : undefined
      await context.flush()
      const rows = await store.readEvents(storeFilter, { limit: limit + 1, beforeId })
      const page = rows.slice(0, limit)
      const result: AuditPage = { events: await decodeRows(context, page) }
      if (rows.length > limit) result.nextCursor = encodeCursor((page[page.length - 1] as StoredEventRow).id)
      await auditRead(
        context,
        { action: 'audit.query', category: 'data_access', viewer: filter.viewer },
        storeFilter.tenantId,
        {
          filter: describeFilter(storeFilter),
          returned: page.length,
        },
      )
      return result
    },

    async activitySummary(actorId, summaryOptions = {}) {
      const filter = toStoreFilter({ ...summaryOptions, actorId }, options.tenantMode)
      await context.flush()
      const summary: ActivitySummary = { total: 0, byAction: {}, byOutcome: {} }
      let last = -1
      // Counts need only the indexed columns: no body parsing, no decryption.
      for await (const rows of scanRows(context, filter)) {
        for (const row of rows) {
          summary.total++
          summary.byAction[row.action] = (summary.byAction[row.action] ?? 0) + 1
          summary.byOutcome[row.outcome] = (summary.byOutcome[row.outcome] ?? 0) + 1
          last = Math.max(last, row.occurredAt)
        }
      }
      if (last >= 0) summary.lastActivity = new Date(last).toISOString()
      await auditRead(
        context,
        { action: 'audit.summary', category: 'data_access', viewer: summaryOptions.viewer },
        filter.tenantId,
        {
          filter: describeFilter(filter),
        },
      )
      return summary
    },

    async complianceSummary(filter = {}) {
      const storeFilter = toStoreFilter(filter, options.tenantMode)
      await context.flush()
      const summary: ComplianceSummary = {
        total: 0,
        byCategory: {},
        byOutcome: {},
        failedLogins: 0,
        privilegedActions: 0,
        personalDataExports: 0,
        securityIncidents: 0,
      }
      if (storeFilter.from !== undefined) summary.from = new Date(storeFilter.from).toISOString()
      if (storeFilter.to !== undefined) summary.to = new Date(storeFilter.to).toISOString()
      if (storeFilter.tenantId !== undefined) summary.tenantId = storeFilter.tenantId
      for await (const rows of scanRows(context, storeFilter))
        for (const row of rows) countCompliance(summary, row)
      await auditRead(
        context,
        { action: 'audit.compliance_summary', category: 'compliance', viewer: filter.viewer },
        storeFilter.tenantId,
        {
          filter: describeFilter(storeFilter),
        },
      )
      return summary
    },

    export: (filter, exportOptions) => exportEvents(context, filter, exportOptions),
  }
}
