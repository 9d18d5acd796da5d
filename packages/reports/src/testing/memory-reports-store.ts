import type {
  RedeemRecord,
  ReportsStore,
  RunRecord,
  ScheduleRecord,
  TokenRecord,
} from '../store/reports-store.js'

/** A {@link ReportsStore} in memory, for tests: nothing survives the process. */
export function createMemoryReportsStore(): ReportsStore {
  const runs = new Map<string, RunRecord>()
  const tokens = new Map<string, TokenRecord>()
  const redeems: RedeemRecord[] = []
  const schedules = new Map<string, ScheduleRecord>()
  const slots = new Map<string, string | null>()
  const copy = <T>(value: T): T => structuredClone(value)
  return {
    async close() {},
    async insertRun(run) {
      runs.set(run.id, copy(run))
    },
    async finishRun(id, outcome) {
      const run = runs.get(id)
      if (run?.status !== 'running') return false
      Object.assign(run, copy(outcome))
      return true
    },
    async failStaleRuns(startedBefore, error, at) {
      let count = 0
      for (const run of runs.values()) {
        if (run.status === 'running' && run.startedAt.getTime() < startedBefore.getTime()) {
          Object.assign(run, { status: 'failed', error, finishedAt: at })
          count++
        }
      }
      return count
    },
    async getRun(id) {
      const run = runs.get(id)
      return run ? copy(run) : undefined
    },
    async listRuns(filter) {
      return [...runs.values()]
        .filter(
          (run) =>
            (!filter.report || run.report === filter.report) &&
            (!filter.scheduleId || run.scheduleId === filter.scheduleId) &&
            (!filter.from || run.startedAt >= filter.from) &&
            (!filter.to || run.startedAt < filter.to),
        )
        .sort((a, b) => b.startedAt.getTime() - a.startedAt.getTime() || (a.id < b.id ? 1 : -1))
        .slice(0, filter.limit ?? 100)
        .map(copy)
    },
    async insertToken(token) {
      if (tokens.has(token.tokenHash)) throw new Error('duplicate token')
      tokens.set(token.tokenHash, copy(token))
    },
    async getToken(hash) {
      const token = tokens.get(hash)
      return token ? copy(token) : undefined
    },
    async consumeToken(hash, now, ip) {
      const token = tokens.get(hash)
      if (
        !token ||
        token.revokedAt ||
        token.expiresAt.getTime() <= now.getTime() ||
        token.downloadCount >= token.maxDownloads ||
        (token.bindIp !== null && token.bindIp !== ip)
      )
        return false
      token.downloadCount++
      return true
    },
    async revokeToken(hash, at) {
      const token = tokens.get(hash)
      if (token && !token.revokedAt) token.revokedAt = at
    },
    async recordRedeem(redeem) {
      redeems.push(copy(redeem))
    },
    async listRedeems(filter) {
      return redeems
        .filter(
          (r) =>
            (!filter.artifactId || r.artifactId === filter.artifactId) &&
            (!filter.tokenHash || r.tokenHash === filter.tokenHash),
        )
        .map(copy)
    },
    async insertSchedule(schedule) {
      schedules.set(schedule.id, copy(schedule))
    },
    async getSchedule(id) {
      const schedule = schedules.get(id)
      return schedule ? copy(schedule) : undefined
    },
    async listSchedules() {
      return [...schedules.values()].map(copy)
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
    async advanceSchedule(id, expected, next) {
      const schedule = schedules.get(id)
      if (!schedule || schedule.nextRunAt.getTime() !== expected.getTime()) return false
      schedule.nextRunAt = next
      return true
    },
    async setScheduleEnabled(id, enabled) {
      const schedule = schedules.get(id)
      if (schedule) schedule.enabled = enabled
    },
    async deleteSchedule(id) {
      schedules.delete(id)
      for (const key of [...slots.keys()]) if (key.startsWith(`${id}|`)) slots.delete(key)
    },
  }
}
