import type {
  DeletingRun,
  RedeemRecord,
  ReportsRowKind,
  ReportsStore,
  RowRetentionBatch,
  RunRecord,
  RunRetentionBatch,
  ScheduleRecord,
  TokenRecord,
} from '../store/reports-store.js'

const copy = <T>(value: T): T => structuredClone(value)
const inScope = (tenantId: string | undefined, owner: string) => tenantId === undefined || tenantId === owner
const newestFirst = (a: RunRecord, b: RunRecord) =>
  b.startedAt.getTime() - a.startedAt.getTime() || (a.id < b.id ? 1 : -1)

/** The memory store's tables. */
interface Tables {
  runs: Map<string, RunRecord>
  /** Ids of runs retention has marked for deletion (hidden from reads). */
  deleting: Set<string>
  tokens: Map<string, TokenRecord>
  /** When each token was last used (the Kysely store's `last_used_at`). */
  lastUsed: Map<string, number>
  redeems: RedeemRecord[]
  schedules: Map<string, ScheduleRecord>
  slots: Map<string, string | null>
}

/** A {@link ReportsStore} in memory, for tests: nothing survives the process. */
export function createMemoryReportsStore(): ReportsStore {
  const tables: Tables = {
    runs: new Map(),
    deleting: new Set(),
    tokens: new Map(),
    lastUsed: new Map(),
    redeems: [],
    schedules: new Map(),
    slots: new Map(),
  }
  return {
    async close() {},
    ...runMethods(tables),
    ...tokenMethods(tables),
    ...scheduleMethods(tables),
    ...retentionMethods(tables),
  }
}

function runMethods({ runs, deleting }: Tables) {
  const visible = (tenantId: string, id: string) => {
    const run = runs.get(id)
    return run && run.tenantId === tenantId && !deleting.has(id) ? run : undefined
  }
  return {
    async insertRun(run) {
      runs.set(run.id, copy(run))
    },
    async finishRun(tenantId, id, outcome) {
      const run = visible(tenantId, id)
      if (run?.status !== 'running') return false
      Object.assign(run, copy(outcome))
      return true
    },
    async failStaleRuns(startedBefore, error, at, tenantId) {
      let count = 0
      for (const run of runs.values()) {
        if (
          inScope(tenantId, run.tenantId) &&
          run.status === 'running' &&
          run.startedAt.getTime() < startedBefore.getTime()
        ) {
          Object.assign(run, { status: 'failed', error, finishedAt: at })
          count++
        }
      }
      return count
    },
    async getRun(tenantId, id) {
      const run = visible(tenantId, id)
      return run ? copy(run) : undefined
    },
    async listRuns(tenantId, filter) {
      return [...runs.values()]
        .filter(
          (run) =>
            run.tenantId === tenantId &&
            !deleting.has(run.id) &&
            (!filter.report || run.report === filter.report) &&
            (!filter.scheduleId || run.scheduleId === filter.scheduleId) &&
            (!filter.from || run.startedAt >= filter.from) &&
            (!filter.to || run.startedAt < filter.to),
        )
        .sort(newestFirst)
        .slice(0, filter.limit ?? 100)
        .map(copy)
    },
  } satisfies Partial<ReportsStore>
}

function tokenMethods({ tokens, lastUsed, redeems }: Tables) {
  const owned = (tenantId: string, hash: string) => {
    const token = tokens.get(hash)
    return token?.tenantId === tenantId ? token : undefined
  }
  return {
    async insertToken(token) {
      if (tokens.has(token.tokenHash)) throw new Error('duplicate token')
      tokens.set(token.tokenHash, copy(token))
    },
    async getToken(tenantId, hash) {
      const token = owned(tenantId, hash)
      return token ? copy(token) : undefined
    },
    async consumeToken(tenantId, hash, now, ip) {
      const token = owned(tenantId, hash)
      if (
        !token ||
        token.revokedAt ||
        token.expiresAt.getTime() <= now.getTime() ||
        token.downloadCount >= token.maxDownloads ||
        (token.bindIp !== null && token.bindIp !== ip)
      )
        return false
      token.downloadCount++
      lastUsed.set(hash, now.getTime())
      return true
    },
    async revokeToken(tenantId, hash, at) {
      const token = owned(tenantId, hash)
      if (token && !token.revokedAt) token.revokedAt = at
    },
    async recordRedeem(redeem) {
      redeems.push(copy(redeem))
    },
    async listRedeems(tenantId, filter) {
      return redeems
        .filter(
          (r) =>
            r.tenantId === tenantId &&
            (!filter.artifactId || r.artifactId === filter.artifactId) &&
            (!filter.tokenHash || r.tokenHash === filter.tokenHash),
        )
        .map(copy)
    },
  } satisfies Partial<ReportsStore>
}

function scheduleMethods({ schedules, slots }: Tables) {
  const owned = (tenantId: string, id: string) => {
    const schedule = schedules.get(id)
    return schedule?.tenantId === tenantId ? schedule : undefined
  }
  return {
    async insertSchedule(schedule) {
      schedules.set(schedule.id, copy(schedule))
    },
    async getSchedule(tenantId, id) {
      const schedule = owned(tenantId, id)
      return schedule ? copy(schedule) : undefined
    },
    async listSchedules(tenantId) {
      return [...schedules.values()].filter((s) => s.tenantId === tenantId).map(copy)
    },
    async dueSchedules(now, limit) {
      return [...schedules.values()]
        .filter((s) => s.enabled && s.nextRunAt.getTime() <= now.getTime())
        .sort((a, b) => a.nextRunAt.getTime() - b.nextRunAt.getTime())
        .slice(0, limit)
        .map(copy)
    },
    async claimSlot(scheduleId, slot) {
      const key = `${scheduleId}|${slot.getTime()}`
      if (slots.has(key)) return false
      slots.set(key, null)
      return true
    },
    async setSlotRun(scheduleId, slot, runId) {
      const key = `${scheduleId}|${slot.getTime()}`
      if (slots.has(key)) slots.set(key, runId)
    },
    async advanceSchedule(tenantId, id, expected, next) {
      const schedule = owned(tenantId, id)
      if (!schedule || schedule.nextRunAt.getTime() !== expected.getTime()) return false
      schedule.nextRunAt = next
      return true
    },
    async setScheduleEnabled(tenantId, id, enabled) {
      const schedule = owned(tenantId, id)
      if (schedule) schedule.enabled = enabled
    },
    async deleteSchedule(tenantId, id) {
      if (!owned(tenantId, id)) return
      schedules.delete(id)
      for (const key of [...slots.keys()]) if (key.startsWith(`${id}|`)) slots.delete(key)
    },
  } satisfies Partial<ReportsStore>
}

/** Finished runs matching a retention rule, at most `limit`, by id (as the Kysely store picks them). */
function runCandidates({ runs, deleting }: Tables, batch: RunRetentionBatch): RunRecord[] {
  const finished = [...runs.values()].filter(
    (run) => run.status !== 'running' && !deleting.has(run.id) && inScope(batch.tenantId, run.tenantId),
  )
  const rank = new Map<string, number>()
  const groups = new Map<string, RunRecord[]>()
  for (const run of finished) {
    const key = `${run.tenantId}\u0000${run.report}`
    const group = groups.get(key)
    if (group) group.push(run)
    else groups.set(key, [run])
  }
  for (const group of groups.values()) {
    group.sort(newestFirst)
    for (const [i, run] of group.entries()) rank.set(run.id, i + 1)
  }
  return finished
    .filter(
      (run) =>
        (batch.keepLast === undefined || (rank.get(run.id) ?? 0) > batch.keepLast) &&
        (batch.cutoff === undefined || (run.finishedAt?.getTime() ?? Infinity) < batch.cutoff),
    )
    .sort((a, b) => (a.id < b.id ? -1 : 1))
    .slice(0, batch.limit)
}

/** Whether a token is past use and ended before the cutoff. */
function linkEnded(token: TokenRecord, lastUsed: number | undefined, batch: RowRetentionBatch): boolean {
  return (
    token.expiresAt.getTime() < Math.min(batch.cutoff, batch.now) ||
    (token.revokedAt !== null && token.revokedAt.getTime() < batch.cutoff) ||
    (token.downloadCount >= token.maxDownloads && lastUsed !== undefined && lastUsed < batch.cutoff)
  )
}

function retentionMethods(tables: Tables) {
  const { runs, deleting, tokens, lastUsed, schedules, slots } = tables
  const deleteRows = (kind: ReportsRowKind, batch: RowRetentionBatch): number => {
    let removed = 0
    if (kind === 'links') {
      for (const [hash, token] of [...tokens].sort(([a], [b]) => (a < b ? -1 : 1))) {
        if (removed === batch.limit) break
        if (!inScope(batch.tenantId, token.tenantId) || !linkEnded(token, lastUsed.get(hash), batch)) continue
        tokens.delete(hash)
        lastUsed.delete(hash)
        removed++
      }
    } else if (kind === 'redeems') {
      for (let i = 0; i < tables.redeems.length && removed < batch.limit; ) {
        const r = tables.redeems[i] as RedeemRecord
        if (inScope(batch.tenantId, r.tenantId) && r.at.getTime() < batch.cutoff) {
          tables.redeems.splice(i, 1)
          removed++
        } else i++
      }
    } else {
      for (const key of [...slots.keys()]) {
        if (removed === batch.limit) break
        const [scheduleId = '', at = '0'] = key.split('|')
        const schedule = schedules.get(scheduleId)
        if (Number(at) >= batch.cutoff || (schedule && schedule.nextRunAt.getTime() <= Number(at))) continue
        if (batch.tenantId !== undefined && schedule?.tenantId !== batch.tenantId) continue
        slots.delete(key)
        removed++
      }
    }
    return removed
  }
  return {
    async markRunsDeleting(batch) {
      const marked = runCandidates(tables, batch)
      for (const run of marked) deleting.add(run.id)
      return marked.length
    },
    async runsBeingDeleted(options) {
      return [...deleting]
        .sort()
        .map((id) => runs.get(id))
        .filter((run): run is RunRecord => run !== undefined && inScope(options.tenantId, run.tenantId))
        .slice(0, options.limit)
        .map((run): DeletingRun => ({ tenantId: run.tenantId, id: run.id, storageKey: run.storageKey }))
    },
    async deleteRunRows(list) {
      let removed = 0
      for (const { tenantId, id } of list) {
        if (!deleting.has(id) || runs.get(id)?.tenantId !== tenantId) continue
        runs.delete(id)
        deleting.delete(id)
        removed++
      }
      return removed
    },
    async storageKeysInUse(keys) {
      const named = new Set([...runs.values()].map((run) => run.storageKey))
      return new Set(keys.filter((key) => named.has(key)))
    },
    async deleteExpired(kind, batch) {
      return deleteRows(kind, batch)
    },
  } satisfies Partial<ReportsStore>
}
