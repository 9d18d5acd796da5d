import { z } from 'zod'
import { defineReport } from '../definition/define-report.js'
import type { ReportDefinition, ReportRow } from '../definition/report-definition.js'
import { nextDay, startOfDayInZone } from './zoned.js'

/** The fields of an audit event this report reads (a subset of an `@opskit/audit` event). */
export interface AuditEventLike {
  action: string
  category?: string
  /** `success` / `failure`, or an object with a `status`. */
  outcome?: string | { status?: string; reason?: string }
  severity?: string
  actor?: { id?: string; role?: string }
  occurredAt?: Date | string | number
}

/** Filter passed to {@link AuditLike.query}. */
export interface AuditQueryFilter {
  from: Date
  to: Date
  tenantId?: string
  limit: number
  cursor?: string
}

/**
 * Anything with a paginated `query` like `@opskit/audit`'s `audit.query(filter)`. Structural,
 * so `@opskit/reports` does not depend on `@opskit/audit`.
 */
export interface AuditLike {
  query(filter: AuditQueryFilter): Promise<{ events: readonly AuditEventLike[]; nextCursor?: string | null }>
}

const PRIVILEGED = new Set(['admin', 'permission_change', 'config_change', 'authorization'])

/** Parameters of the compliance report. */
export const complianceParams = z
  .object({
    from: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'expected a date as YYYY-MM-DD'),
    to: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'expected a date as YYYY-MM-DD'),
    tenantId: z.string().min(1).optional(),
  })
  .refine((p) => p.from <= p.to, { message: 'must not be before from', path: ['to'] })

function outcomeOf(event: AuditEventLike): string {
  if (typeof event.outcome === 'string') return event.outcome
  return event.outcome?.status ?? 'unknown'
}

/**
 * The audit compliance summary for a period: per category and outcome the number of events and
 * distinct actors, then highlight rows for failed logins, privileged actions and exports of
 * personal data. Pages through `audit.query` (500 events a page); memory grows with the number
 * of categories and actors, not events.
 */
export function createAuditComplianceReport(
  audit: AuditLike,
  options: { name?: string; title?: string } = {},
): ReportDefinition<z.output<typeof complianceParams>> {
  return defineReport({
    name: options.name ?? 'audit-compliance',
    title: options.title ?? 'Audit compliance summary',
    params: complianceParams,
    columns: [
      { key: 'section', header: 'Section', type: 'string' },
      { key: 'name', header: 'Category / check', type: 'string' },
      { key: 'outcome', header: 'Outcome', type: 'string' },
      { key: 'events', header: 'Events', type: 'integer' },
      { key: 'actors', header: 'Distinct actors', type: 'integer' },
      { key: 'last_at', header: 'Last event', type: 'datetime' },
    ],
    chart: { type: 'bar', x: 'name', y: ['events'], title: 'Events by category and outcome' },
    query: async function* (_db, params, { timeZone }): AsyncGenerator<ReportRow> {
      const from = new Date(startOfDayInZone(params.from, timeZone))
      const to = new Date(startOfDayInZone(nextDay(params.to), timeZone))
      type Group = { events: number; actors: Set<string>; last: number | null }
      const groups = new Map<string, Group>()
      const highlights = new Map<string, Group>([
        ['failed logins', { events: 0, actors: new Set(), last: null }],
        ['privileged actions', { events: 0, actors: new Set(), last: null }],
        ['personal data exports', { events: 0, actors: new Set(), last: null }],
      ])
      const add = (group: Group, event: AuditEventLike) => {
        group.events++
        if (event.actor?.id) group.actors.add(event.actor.id)
        const at = event.occurredAt === undefined ? null : new Date(event.occurredAt).getTime()
        if (at !== null && !Number.isNaN(at) && (group.last === null || at > group.last)) group.last = at
      }
      let cursor: string | undefined
      do {
        const page = await audit.query({
          from,
          to,
          limit: 500,
          ...(params.tenantId ? { tenantId: params.tenantId } : {}),
          ...(cursor ? { cursor } : {}),
        })
        for (const event of page.events) {
          const category = event.category ?? 'uncategorised'
          const outcome = outcomeOf(event)
          const key = `${category}\u0000${outcome}`
          let group = groups.get(key)
          if (!group) {
            group = { events: 0, actors: new Set(), last: null }
            groups.set(key, group)
          }
          add(group, event)
          if (category === 'authentication' && outcome === 'failure' && /login|sign_?in/i.test(event.action))
            add(highlights.get('failed logins') as Group, event)
          if (PRIVILEGED.has(category)) add(highlights.get('privileged actions') as Group, event)
          if (category === 'export' || (category === 'pii_access' && /export/i.test(event.action)))
            add(highlights.get('personal data exports') as Group, event)
        }
        cursor = page.nextCursor ?? undefined
      } while (cursor)
      const sorted = [...groups.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      for (const [key, group] of sorted) {
        const [name, outcome] = key.split('\u0000')
        yield {
          section: 'category',
          name,
          outcome,
          events: group.events,
          actors: group.actors.size,
          last_at: group.last,
        }
      }
      for (const [name, group] of highlights) {
        yield {
          section: 'highlight',
          name,
          outcome: '',
          events: group.events,
          actors: group.actors.size,
          last_at: group.last,
        }
      }
    },
  })
}
