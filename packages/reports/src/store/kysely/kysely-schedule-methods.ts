import type { HostDatabase } from '@opskit/core'
import type { ReportsStore, ScheduleRecord } from '../reports-store.js'
import type { ReportsTables } from './migrations.js'
import { type Raw, toSchedule } from './rows.js'

/**
 * Schedules, slot claims and conditional advances. Schedule queries filter on the tenant; slot
 * claims are keyed by the schedule's id (a UUID the store generated), reached only through a
 * schedule the caller already holds.
 */
export function scheduleMethods(db: HostDatabase, t: ReportsTables) {
  return {
    async insertSchedule(schedule: ScheduleRecord) {
      await db
        .insertInto(t.schedules)
        .values({
          id: schedule.id,
          tenant_id: schedule.tenantId,
          report: schedule.report,
          params: JSON.stringify(schedule.params),
          cron: schedule.cron,
          timezone: schedule.timeZone,
          format: schedule.format,
          deliver_to: schedule.deliverTo === null ? null : JSON.stringify(schedule.deliverTo),
          next_run_at: schedule.nextRunAt.getTime(),
          enabled: schedule.enabled ? 1 : 0,
          created_at: schedule.createdAt.getTime(),
        })
        .execute()
    },
    async getSchedule(tenantId, id) {
      const row = await db
        .selectFrom(t.schedules)
        .selectAll()
        .where('tenant_id', '=', tenantId)
        .where('id', '=', id)
        .executeTakeFirst()
      return row ? toSchedule(row as Raw) : undefined
    },
    async listSchedules(tenantId) {
      const rows = await db
        .selectFrom(t.schedules)
        .selectAll()
        .where('tenant_id', '=', tenantId)
        .orderBy('created_at')
        .orderBy('id')
        .execute()
      return rows.map((row) => toSchedule(row as Raw))
    },
    async dueSchedules(now, limit) {
      const rows = await db
        .selectFrom(t.schedules)
        .selectAll()
        .where('enabled', '=', 1)
        .where('next_run_at', '<=', now.getTime())
        .orderBy('next_run_at')
        .limit(limit)
        .execute()
      return rows.map((row) => toSchedule(row as Raw))
    },
    async claimSlot(scheduleId, slot, claimedAt) {
      const result = await db
        .insertInto(t.slots)
        .values({
          schedule_id: scheduleId,
          slot: slot.getTime(),
          run_id: null,
          claimed_at: claimedAt.getTime(),
        })
        .onConflict((oc) => oc.columns(['schedule_id', 'slot']).doNothing())
        .executeTakeFirst()
      return Number(result.numInsertedOrUpdatedRows ?? 0) === 1
    },
    async setSlotRun(scheduleId, slot, runId) {
      await db
        .updateTable(t.slots)
        .set({ run_id: runId })
        .where('schedule_id', '=', scheduleId)
        .where('slot', '=', slot.getTime())
        .execute()
    },
    async advanceSchedule(tenantId, id, expected, next) {
      const result = await db
        .updateTable(t.schedules)
        .set({ next_run_at: next.getTime() })
        .where('tenant_id', '=', tenantId)
        .where('id', '=', id)
        .where('next_run_at', '=', expected.getTime())
        .executeTakeFirst()
      return Number(result.numUpdatedRows) === 1
    },
    async setScheduleEnabled(tenantId, id, enabled) {
      await db
        .updateTable(t.schedules)
        .set({ enabled: enabled ? 1 : 0 })
        .where('tenant_id', '=', tenantId)
        .where('id', '=', id)
        .execute()
    },
    async deleteSchedule(tenantId, id) {
      const deleted = await db
        .deleteFrom(t.schedules)
        .where('tenant_id', '=', tenantId)
        .where('id', '=', id)
        .executeTakeFirst()
      if (Number(deleted.numDeletedRows) > 0)
        await db.deleteFrom(t.slots).where('schedule_id', '=', id).execute()
    },
  } satisfies Partial<ReportsStore>
}
