import type { Clock, HostDatabase, Logger } from '@opskit/core'
import type { TenantScope } from '@opskit/core/internal'
import type { ReportDefinition } from '../definition/report-definition.js'
import { ReportsError } from '../errors/reports-error.js'
import type { Renderer } from '../render/renderer.js'
import type { ReportRef } from '../reports-types.js'
import type { StorageAdapter } from '../storage/storage-adapter.js'
import type { ReportsStore } from '../store/reports-store.js'

/** What the run pipeline, exports and the scheduler share: resolved options and the registry. */
export interface RunContext {
  /** The host's database, handed to report queries. */
  db: HostDatabase
  /** The connection report queries stream from. */
  readDb: HostDatabase
  store: ReportsStore
  storage: StorageAdapter
  clock: Clock
  logger: Logger
  timeZone: string
  locale: string
  /** Renderers by format. */
  renderers: ReadonlyMap<string, Renderer>
  registry: ReportRegistry
  /** Resolves a call's `tenantId` under the service's `tenantMode` (the stored value, `''` for none). */
  tenantOf: TenantScope
  /** Throws `REPORTS_CLOSED` once the service is closed. */
  assertOpen(): void
}

/** The report definitions of a service, by name. */
export interface ReportRegistry {
  /** Adds a definition; a second one under the same name is refused (`REPORTS_INVALID_DEFINITION`). */
  register(definition: ReportDefinition<unknown, unknown>): void
  /**
   * The definition a reference names: a registered name, or a definition (registered on first
   * use; another definition under its name is refused). `REPORTS_NOT_FOUND` for an unknown name.
   */
  resolve(report: ReportRef): ReportDefinition<unknown, unknown>
  /** The registered definition of that name, if any. */
  get(name: string): ReportDefinition<unknown, unknown> | undefined
}

/** A registry of report definitions keyed by name. */
export function createReportRegistry(): ReportRegistry {
  const definitions = new Map<string, ReportDefinition<unknown, unknown>>()
  const register = (definition: ReportDefinition<unknown, unknown>) => {
    if (definitions.has(definition.name))
      throw new ReportsError(
        'REPORTS_INVALID_DEFINITION',
        `a report named "${definition.name}" is already registered`,
      )
    definitions.set(definition.name, definition)
  }
  return {
    register,
    get: (name) => definitions.get(name),
    resolve(report) {
      if (typeof report !== 'string') {
        const known = definitions.get(report.name)
        if (known === report) return known
        register(report)
        return report
      }
      const definition = definitions.get(report)
      if (!definition)
        throw new ReportsError('REPORTS_NOT_FOUND', `no report named "${report}" is registered`)
      return definition
    },
  }
}
