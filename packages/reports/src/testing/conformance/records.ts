import { uuidv7 } from '@opskit/core'
import { artifactKey } from '../../storage/artifact-keys.js'
import type { RunOutcome, RunRecord, ScheduleRecord, TokenRecord } from '../../store/reports-store.js'

/** The instant of an ISO 8601 text. */
export const at = (iso: string): Date => new Date(iso)

/** A running run of `tenantId` (`''` for none), started 2026-03-01T10:00Z; `overrides` win. */
export function runOf(tenantId: string, overrides: Partial<RunRecord> = {}): RunRecord {
  const id = uuidv7()
  return {
    id,
    tenantId,
    report: 'sales',
    format: 'csv',
    params: {},
    status: 'running',
    rows: 0,
    bytes: 0,
    sha256: null,
    durationMs: 0,
    error: null,
    storageKey: artifactKey(tenantId, id, 'csv'),
    filename: 'sales.csv',
    contentType: 'text/csv',
    scheduleId: null,
    startedAt: at('2026-03-01T10:00:00Z'),
    finishedAt: null,
    ...overrides,
  }
}

/** A successful end of a run, one second after {@link runOf}'s start; `overrides` win. */
export function outcomeOf(overrides: Partial<RunOutcome> = {}): RunOutcome {
  return {
    status: 'succeeded',
    rows: 1,
    bytes: 1,
    sha256: null,
    durationMs: 1,
    error: null,
    finishedAt: at('2026-03-01T10:00:01Z'),
    ...overrides,
  }
}

/** A download token of `tenantId` for artifact `art`, valid in April 2026 for 3 downloads. */
export function tokenOf(
  tenantId: string,
  tokenHash: string,
  overrides: Partial<TokenRecord> = {},
): TokenRecord {
  return {
    tokenHash,
    tenantId,
    artifactId: 'art',
    expiresAt: at('2026-05-01T00:00:00Z'),
    maxDownloads: 3,
    downloadCount: 0,
    bindIp: null,
    revokedAt: null,
    createdAt: at('2026-04-01T00:00:00Z'),
    ...overrides,
  }
}

/** A daily 08:00 UTC CSV schedule of `tenantId`, next due 2026-06-01T08:00Z. */
export function scheduleOf(tenantId: string, overrides: Partial<ScheduleRecord> = {}): ScheduleRecord {
  return {
    id: uuidv7(),
    tenantId,
    report: 'sales',
    params: {},
    cron: '0 8 * * *',
    timeZone: 'UTC',
    format: 'csv',
    deliverTo: null,
    nextRunAt: at('2026-06-01T08:00:00Z'),
    enabled: true,
    createdAt: at('2026-05-01T00:00:00Z'),
    ...overrides,
  }
}
