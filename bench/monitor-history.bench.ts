// @opskit/monitor persisted history: (1) the SLO counters' added cost per request on the RED path —
// monitor.http.wrap of a monitor with an SLO over the RED counters, a SQLite store and a 1 s flush
// loop, vs today's wrap (a monitor without SLO or store), synthetic req/res, alternating runs;
// (2) recording-rule persistence of 10,000 series per minute (a minute's flush: raw samples and
// the minute aggregates) on SQLite and PostgreSQL, then the hourly roll-up of those minutes;
// (3) a Grafana /query over 30 days of per-hour history (10 series) through the datasource handler.
// Run: cd bench && node --expose-gc --import tsx monitor-history.bench.ts
// Small check: BENCH_HISTORY_MINUTES=5 BENCH_HISTORY_REQUESTS=50000 node --import tsx monitor-history.bench.ts
import { EventEmitter } from 'node:events'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { HostDatabase } from '@opskit/core'
import { openSqlite } from '@opskit/core/sqlite'
import { createFakeClock } from '@opskit/core/testing'
import { createKyselyMonitorStore, createMonitor, type MonitorStore } from '@opskit/monitor'
import { openPostgres, startPostgres, tempSqlitePath } from '@opskit/test-support'
import {
  alternate,
  type ComparisonRow,
  oursBelow,
  printRows,
  ratioAtMost,
  spread,
  timed,
} from './lib/compare.js'

const MINUTES = Number(process.env.BENCH_HISTORY_MINUTES ?? 60)
const REQUESTS = Number(process.env.BENCH_HISTORY_REQUESTS ?? 500_000)
const SERIES = 10_000
const MIN = 60_000 as const
const HOUR = 3_600_000 as const
const DAY = 24 * HOUR
const T0 = Date.UTC(2026, 0, 1)

/** Per-request cost (µs) of a wrapped handler, in chunks that let timers (the flush loop) run. */
async function perRequest(wrapped: (req: IncomingMessage, res: ServerResponse) => unknown): Promise<number> {
  const started = performance.now()
  for (let done = 0; done < REQUESTS; done += 5_000) {
    for (let i = 0; i < 5_000; i++) {
      const res = new EventEmitter() as unknown as ServerResponse
      wrapped({ url: `/users/${i % 1000}`, method: 'GET' } as IncomingMessage, res)
    }
    await new Promise((resolve) => setImmediate(resolve))
  }
  return ((performance.now() - started) * 1000) / REQUESTS
}

async function sloCostCase() {
  const inner = (req: IncomingMessage, res: ServerResponse) => {
    res.statusCode = req.url?.endsWith('7') ? 500 : 200
    res.emit('close')
  }
  const today = await createMonitor({ serviceName: 'bench', defaultMetrics: false })
  const file = tempSqlitePath()
  const db = openSqlite(file.path)
  const persisted = await createMonitor({
    serviceName: 'bench',
    defaultMetrics: false,
    db,
    history: { flushIntervalMs: 1000 },
  })
  persisted.slo.define({
    name: 'http',
    objective: 0.999,
    good: 'http_server_request_duration_seconds_count{status_class!="5xx"}',
    total: 'http_server_request_duration_seconds_count',
  })
  const routes = { routes: ['/users/:id'] }
  const bare = today.http.wrap(inner, routes)
  const withSlo = persisted.http.wrap(inner, routes)
  await perRequest(bare)
  await perRequest(withSlo)
  const runs = await alternate(
    { ours: () => perRequest(withSlo), today: () => perRequest(bare) },
    { runs: 7 },
  )
  const report = await persisted.slo.report('http')
  await today.close()
  await persisted.close()
  await db.destroy()
  file.cleanup()
  return { ours: spread(runs.ours ?? []), today: spread(runs.today ?? []), counted: report.totalEvents }
}

/** One minute of 10,000 recorded series, as the archive writes it: raw samples, then minute aggregates. */
async function flushMinute(store: MonitorStore, minute: number) {
  const t = T0 + minute * MIN + 15_000
  const points = Array.from({ length: SERIES }, (_, i) => ({
    metric: 'job:requests:rate5m',
    labels: { instance: `host-${i}`, job: `job-${i % 20}` },
    t,
    value: (i * 7 + minute) % 1000,
  }))
  await store.appendHistory(points)
  await store.downsampleHistory(0, MIN, T0 + minute * MIN, T0 + (minute + 1) * MIN)
}

async function recordingCase(db: HostDatabase) {
  const store = await createKyselyMonitorStore({ db, tablePrefix: 'bench_' })
  const flushes: number[] = []
  for (let minute = 0; minute < MINUTES; minute++) flushes.push(await timed(() => flushMinute(store, minute)))
  const rollUp = await timed(() => store.downsampleHistory(MIN, HOUR, T0, T0 + HOUR))
  await store.close()
  return { flushMs: spread(flushes.map((s) => s * 1000)), rollUpMs: rollUp * 1000 }
}

async function grafanaCase(db: HostDatabase) {
  const end = T0 + 30 * DAY
  const monitor = await createMonitor({
    serviceName: 'bench',
    defaultMetrics: false,
    db,
    clock: createFakeClock(end),
    tablePrefix: 'grafana_',
    history: { rawMs: MIN, minutesMs: HOUR },
  })
  await monitor.rules.create({ record: 'job:load', expr: 'sum by (instance) (load)' })
  const store = await createKyselyMonitorStore({ db, tablePrefix: 'grafana_' })
  for (let day = 0; day < 30; day++) {
    const points = []
    for (let t = T0 + day * DAY; t < T0 + (day + 1) * DAY; t += 10 * MIN)
      for (let i = 0; i < 10; i++)
        points.push({ metric: 'job:load', labels: { instance: `i${i}` }, t, value: (t / MIN + i) % 97 })
    await store.appendHistory(points)
    await store.downsampleHistory(0, MIN, T0 + day * DAY, T0 + (day + 1) * DAY)
    await store.downsampleHistory(MIN, HOUR, T0 + day * DAY, T0 + (day + 1) * DAY)
  }
  const handler = monitor.grafana.handler({ allow: ['127.0.0.1'] })
  const server = createServer((req, res) => void handler(req, res))
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  const body = JSON.stringify({
    range: { from: new Date(T0).toISOString(), to: new Date(end).toISOString() },
    maxDataPoints: 2000,
    targets: [{ target: 'job:load', refId: 'A' }],
  })
  let points = 0
  const query = async () => {
    const response = await fetch(`http://127.0.0.1:${port}/query`, { method: 'POST', body })
    const series = (await response.json()) as Array<{ datapoints: unknown[] }>
    points = series.reduce((n, s) => n + s.datapoints.length, 0)
  }
  await query()
  const runs: number[] = []
  for (let i = 0; i < 21; i++) runs.push((await timed(query)) * 1000)
  server.closeAllConnections()
  await new Promise<void>((resolve) => server.close(() => resolve()))
  await store.close()
  await monitor.close()
  return { ms: spread(runs), points }
}

const slo = await sloCostCase()
const sqliteFile = tempSqlitePath()
const sqlite = openSqlite(sqliteFile.path)
const sqliteRecording = await recordingCase(sqlite)
const sqliteGrafana = await grafanaCase(sqlite)
await sqlite.destroy()
sqliteFile.cleanup()
const cluster = await startPostgres({ durable: true })
const pg = openPostgres(await cluster.createDatabase('monitor_history'), 10) as HostDatabase
const pgRecording = await recordingCase(pg)
const pgGrafana = await grafanaCase(pg)
await pg.destroy()
await cluster.stop()

const rows: ComparisonRow[] = [
  {
    case: `RED wrap with persisted SLO counters (SQLite, 1 s flush) vs today's wrap, synthetic req/res, ${REQUESTS} requests per run (${slo.counted} events counted)`,
    ours: slo.ours,
    baseline: slo.today,
    unit: 'µs/request',
    higherIsBetter: false,
    target: ratioAtMost(1.02),
  },
]
for (const [name, recording, grafana] of [
  ['SQLite', sqliteRecording, sqliteGrafana],
  ['PostgreSQL', pgRecording, pgGrafana],
] as const) {
  rows.push(
    {
      case: `${name}: one minute of ${SERIES.toLocaleString('en')} recorded series (raw samples + minute aggregates), ${MINUTES} minutes`,
      ours: recording.flushMs,
      unit: 'ms',
      higherIsBetter: false,
      target: oursBelow(60_000, 'ms'),
    },
    {
      case: `${name}: hourly roll-up of those minutes into ${SERIES.toLocaleString('en')} hour buckets`,
      ours: recording.rollUpMs,
      unit: 'ms',
      higherIsBetter: false,
    },
    {
      case: `${name}: Grafana /query over 30 days of per-hour history, 10 series (${grafana.points} points)`,
      ours: grafana.ms,
      unit: 'ms',
      higherIsBetter: false,
      target: oursBelow(50, 'ms'),
    },
  )
}
printRows('@opskit/monitor history', rows)
