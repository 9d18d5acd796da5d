import type { HostDatabase } from '@opskit/core'
import { sql } from 'kysely'
import { bucketStart } from '../../history/buckets.js'
import { seriesText } from '../../history/series-text.js'
import type { Labels } from '../../labels/labels.js'
import {
  type HistoryBucket,
  type HistoryStep,
  HOUR_MS,
  MINUTE_MS,
  type MonitorHistoryStore,
  type SloCountBucket,
} from '../history-store.js'
import { historyTables } from './history-migrations.js'

/** Rows per multi-row insert (10 columns each: far below PostgreSQL's and SQLite's parameter limits). */
const CHUNK = 500

/** A whole number as an SQL literal (steps and bucket bounds are ours, never input). */
const int = (n: number) => sql.lit(Math.trunc(n))

interface HistoryRow {
  series: string
  step: number | string
  bucket: number | string
  v_last: number
  v_last_at: number | string
  v_min: number
  v_max: number
  v_sum: number
  v_count: number | string
}

/**
 * The {@link MonitorHistoryStore} methods of the Kysely monitor store: `open()` returns the
 * database or throws once the store is closed.
 */
export function kyselyHistoryStore(open: () => HostDatabase, prefix: string): MonitorHistoryStore {
  const t = historyTables(prefix)
  return { ...sloCountMethods(open, t), ...historyMethods(open, t) }
}

type Tables = ReturnType<typeof historyTables>

/** The SLO counter part: minute rows per instance, rolled up into hour rows. */
function sloCountMethods(
  open: () => HostDatabase,
  t: Tables,
): Pick<MonitorHistoryStore, 'writeSloCounts' | 'readSloCounts' | 'rollUpSloCounts'> {
  return {
    async writeSloCounts(rows) {
      if (rows.length === 0) return
      await open()
        .insertInto(t.sloMinutes)
        .values(
          rows.map((r) => ({
            slo: r.slo,
            bucket: r.minute,
            instance: r.instance,
            good: r.good,
            total: r.total,
          })),
        )
        .onConflict((oc) =>
          oc
            .columns(['slo', 'bucket', 'instance'])
            .doUpdateSet({ good: sql`excluded.good`, total: sql`excluded.total` }),
        )
        .execute()
    },
    async readSloCounts(slo, from, to) {
      // one statement: a roll-up committing in between cannot hide or double an hour
      const { rows } = await sql<{
        bucket: number | string
        step: number | string
        good: number
        total: number
      }>`
        select bucket, ${int(MINUTE_MS)} as step, sum(good) as good, sum(total) as total
          from ${sql.table(t.sloMinutes)}
          where slo = ${slo} and bucket >= ${int(from)} and bucket < ${int(to)} group by bucket
        union all
        select bucket, ${int(HOUR_MS)} as step, good, total from ${sql.table(t.sloHours)}
          where slo = ${slo} and bucket >= ${int(from)} and bucket < ${int(to)}
        order by bucket`.execute(open())
      return rows.map(
        (r): SloCountBucket => ({
          start: Number(r.bucket),
          stepMs: Number(r.step),
          good: Number(r.good),
          total: Number(r.total),
        }),
      )
    },
    async rollUpSloCounts(before) {
      await open()
        .transaction()
        .execute(async (trx) => {
          // deleting first: a concurrent roll-up waits on these rows and then finds none to add
          const moved = (await trx
            .deleteFrom(t.sloMinutes)
            .where('bucket', '<', before)
            .returning(['slo', 'bucket', 'good', 'total'])
            .execute()) as Array<{ slo: string; bucket: number | string; good: number; total: number }>
          const sums = new Map<string, { slo: string; bucket: number; good: number; total: number }>()
          for (const r of moved) {
            const bucket = bucketStart(Number(r.bucket), HOUR_MS)
            const key = `${r.slo}\u0000${bucket}`
            const s = sums.get(key) ?? { slo: r.slo, bucket, good: 0, total: 0 }
            s.good += Number(r.good)
            s.total += Number(r.total)
            sums.set(key, s)
          }
          const list = [...sums.values()]
          for (let i = 0; i < list.length; i += CHUNK)
            await trx
              .insertInto(t.sloHours)
              .values(list.slice(i, i + CHUNK))
              .onConflict((oc) =>
                oc.columns(['slo', 'bucket']).doUpdateSet({
                  good: sql`${sql.ref(`${t.sloHours}.good`)} + excluded.good`,
                  total: sql`${sql.ref(`${t.sloHours}.total`)} + excluded.total`,
                }),
              )
              .execute()
        })
    },
  }
}

/** The recording rules' part: raw samples, minute and hour aggregates in one table. */
function historyMethods(
  open: () => HostDatabase,
  t: Tables,
): Pick<MonitorHistoryStore, 'appendHistory' | 'downsampleHistory' | 'readHistory' | 'pruneHistory'> {
  const history = sql.table(t.history)
  return {
    async appendHistory(points) {
      const rows: Array<Record<string, string | number>> = []
      for (const p of points) {
        if (Number.isNaN(p.value)) continue
        const v = p.value
        rows.push({
          metric: p.metric,
          step: 0,
          bucket: p.t,
          series: seriesText(p.labels),
          v_last: v,
          v_last_at: p.t,
          v_min: v,
          v_max: v,
          v_sum: v,
          v_count: 1,
        })
      }
      if (rows.length === 0) return
      await open()
        .transaction()
        .execute(async (trx) => {
          for (let i = 0; i < rows.length; i += CHUNK)
            await trx
              .insertInto(t.history)
              .values(rows.slice(i, i + CHUNK))
              .onConflict((oc) =>
                oc.columns(['metric', 'step', 'bucket', 'series']).doUpdateSet({
                  v_last: sql`excluded.v_last`,
                  v_min: sql`excluded.v_min`,
                  v_max: sql`excluded.v_max`,
                  v_sum: sql`excluded.v_sum`,
                }),
              )
              .execute()
        })
    },
    async downsampleHistory(fromStep, toStep, from, to) {
      // per series and target bucket, one sorting pass (window functions, no self-join): the
      // finer buckets' min/max/sum/count and the value of the one holding the latest sample
      const b = sql`(bucket / ${int(toStep)}) * ${int(toStep)}`
      await sql`
        insert into ${history} (metric, step, bucket, series, v_last, v_last_at, v_min, v_max, v_sum, v_count)
        select metric, ${int(toStep)}, b, series, lv, lt, mn, mx, sm, ct from (
          select metric, series, ${b} as b,
            first_value(v_last) over w as lv, max(v_last_at) over w as lt, min(v_min) over w as mn,
            max(v_max) over w as mx, sum(v_sum) over w as sm, sum(v_count) over w as ct,
            row_number() over w as rn
          from ${history}
          where step = ${int(fromStep)} and bucket >= ${int(from)} and bucket < ${int(to)}
          window w as (partition by metric, series, ${b} order by v_last_at desc
            rows between unbounded preceding and unbounded following)
        ) x
        where rn = 1
        on conflict (metric, step, bucket, series) do update set
          v_last = excluded.v_last, v_last_at = excluded.v_last_at, v_min = excluded.v_min,
          v_max = excluded.v_max, v_sum = excluded.v_sum, v_count = excluded.v_count`.execute(open())
    },
    async readHistory(metric, segments) {
      if (segments.length === 0) return []
      const parts = segments.map(
        (s) => sql`select series, step, bucket, v_last, v_last_at, v_min, v_max, v_sum, v_count
          from ${history} where metric = ${metric} and step = ${int(s.stepMs)}
          and bucket >= ${int(s.from)} and bucket < ${int(s.to)}`,
      )
      const { rows } =
        await sql<HistoryRow>`${sql.join(parts, sql` union all `)} order by series, bucket`.execute(open())
      const labelsOf = new Map<string, Labels>()
      return rows.map((r): HistoryBucket => {
        let labels = labelsOf.get(r.series)
        if (!labels) {
          labels = JSON.parse(r.series) as Labels
          labelsOf.set(r.series, labels)
        }
        return {
          labels,
          stepMs: Number(r.step) as HistoryStep,
          start: Number(r.bucket),
          last: Number(r.v_last),
          lastAt: Number(r.v_last_at),
          min: Number(r.v_min),
          max: Number(r.v_max),
          sum: Number(r.v_sum),
          count: Number(r.v_count),
        }
      })
    },
    async pruneHistory(cuts) {
      const db = open()
      const cut: Array<[HistoryStep, number]> = [
        [0, cuts.rawBefore],
        [MINUTE_MS, cuts.minuteBefore],
        [HOUR_MS, cuts.hourBefore],
      ]
      for (const [step, before] of cut)
        await db.deleteFrom(t.history).where('step', '=', step).where('bucket', '<', before).execute()
      await db.deleteFrom(t.sloHours).where('bucket', '<', cuts.sloHourBefore).execute()
    },
  }
}
