// @opskit/monitor: (1) RED middleware overhead — a bare node:http handler vs the same handler
// wrapped by monitor.http.wrap, requests/s from a keep-alive loopback load generator running in
// its own process (lib/http-load.ts), ABBA rounds; (2) rule evaluation — 1,000 rules over 10,000
// series, one evaluation, vs a plain loop computing the same thresholds from the same source
// (both collect the samples, then evaluate). Cases alternate and run at least 5 times; rows print
// min/median/max and a target is met when the medians meet it.
// Run: cd bench && node --expose-gc --import tsx monitor.bench.ts
import { type ChildProcess, fork } from 'node:child_process'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createFakeClock } from '@opskit/core/testing'
import { createMonitor, createPushSampleSource, createRuleEngine } from '@opskit/monitor'
import {
  alternate,
  type ComparisonRow,
  oursBelow,
  printRows,
  ratioAtLeast,
  spread,
  timed,
} from './lib/compare.js'

const DURATION_MS = Number(process.env.BENCH_HTTP_MS ?? 1000)
const CONCURRENCY = 32
const ROUNDS = 12

function handler(req: IncomingMessage, res: ServerResponse) {
  const body = req.url?.startsWith('/users/') ? '{"id":1,"name":"ada"}' : '{"ok":true}'
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) })
  res.end(body)
}

interface Target {
  port: number
  close: () => Promise<void>
}

async function serve(listener: (req: IncomingMessage, res: ServerResponse) => void): Promise<Target> {
  const server = createServer(listener)
  server.keepAliveTimeout = 60_000
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    port,
    close: async () => {
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}

/** The load generator, a child process (lib/http-load.ts) that keeps its connections between rounds. */
function startLoadGenerator(): { load: (target: Target, ms: number) => Promise<number>; stop: () => void } {
  const child: ChildProcess = fork(new URL('./lib/http-load.ts', import.meta.url), [], {
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, LOAD_CONCURRENCY: String(CONCURRENCY) },
  })
  return {
    load: (target, ms) =>
      new Promise((resolve, reject) => {
        child.once('message', (reply: { done?: number; error?: string }) =>
          reply.error === undefined ? resolve(reply.done ?? 0) : reject(new Error(reply.error)),
        )
        child.send({ port: target.port, ms })
      }),
    stop: () => child.send('exit'),
  }
}

async function httpCase() {
  const monitor = await createMonitor({ serviceName: 'bench', defaultMetrics: false })
  const wrapped = monitor.http.wrap(handler, { routes: ['/users/:id', '/health'] })
  const bare = await serve(handler)
  const ours = await serve(wrapped as (req: IncomingMessage, res: ServerResponse) => void)
  const generator = startLoadGenerator()
  try {
    await generator.load(bare, 500)
    await generator.load(ours, 500)
    // ABBA-ordered short rounds against two live servers, so drift and order effects cancel
    const rates = { bare: [] as number[], ours: [] as number[] }
    for (let round = 0; round < ROUNDS; round++) {
      const order = round % 2 === 0 ? [bare, ours] : [ours, bare]
      for (const target of order) {
        const n = await generator.load(target, DURATION_MS)
        rates[target === bare ? 'bare' : 'ours'].push((n * 1000) / DURATION_MS)
      }
    }
    return { ours: spread(rates.ours), baseline: spread(rates.bare) }
  } finally {
    generator.stop()
    await bare.close()
    await ours.close()
    await monitor.close()
  }
}

async function rulesCase() {
  const METRICS = 100
  const SERIES_PER_METRIC = 100
  const RULES = 1000
  const source = createPushSampleSource()
  for (let m = 0; m < METRICS; m++) {
    for (let s = 0; s < SERIES_PER_METRIC; s++) {
      // 1% of series are over their rules' thresholds
      source.set(`metric_${m}`, { instance: `i${s}`, job: `job${s % 5}` }, s === 7 ? 1000 : s)
    }
  }
  const clock = createFakeClock()
  const engine = createRuleEngine({ source, clock, sink: () => undefined })
  const thresholds: Array<{ metric: string; threshold: number }> = []
  for (let r = 0; r < RULES; r++) {
    const metric = `metric_${r % METRICS}`
    const threshold = 500 + (r % 7)
    thresholds.push({ metric, threshold })
    engine.addRule({
      name: `rule_${r}`,
      expr: `${metric}{job=~"job[0-9]"} > ${threshold}`,
      for: '1m',
      labels: { severity: 'page' },
    })
  }
  // The same input for both: the baseline collects the samples from the same source, as the
  // engine does on each evaluation, then applies the thresholds.
  const plain = () => {
    const samples = source.collect()
    const byName = new Map<string, typeof samples>()
    for (const s of samples) {
      const list = byName.get(s.name)
      if (list) list.push(s)
      else byName.set(s.name, [s])
    }
    let firing = 0
    for (const rule of thresholds) {
      for (const s of byName.get(rule.metric) ?? [])
        if (/^(?:job[0-9])$/.test(s.labels.job ?? '') && s.value > rule.threshold) firing++
    }
    return firing
  }
  let at = clock.now()
  await engine.evaluate(at) // warm-up (creates pending instances)
  plain()
  const runs = await alternate(
    {
      ours: () =>
        timed(() => {
          at += 60_000
          return engine.evaluate(at)
        }),
      plain: () => timed(plain),
    },
    { runs: 21 },
  )
  const firing = engine.instances().filter((i) => i.state === 'firing').length
  const ms = (seconds: number[] | undefined) => spread((seconds ?? []).map((s) => s * 1000))
  return { oursMs: ms(runs.ours), plainMs: ms(runs.plain), firing, expected: plain() }
}

async function perRequestCost() {
  // the instrumentation's own cost per request, without sockets: synthetic req/res objects
  const { EventEmitter } = await import('node:events')
  const monitor = await createMonitor({ serviceName: 'bench', defaultMetrics: false })
  const inner = (_req: IncomingMessage, res: ServerResponse) => {
    res.statusCode = 200
    res.emit('close')
  }
  const wrapped = monitor.http.wrap(inner, { routes: ['/users/:id', '/health'] })
  const N = 200_000
  const run = (fn: (req: IncomingMessage, res: ServerResponse) => unknown) => {
    const t = performance.now()
    for (let i = 0; i < N; i++) {
      const res = new EventEmitter() as unknown as ServerResponse
      fn({ url: `/users/${i % 1000}`, method: 'GET' } as IncomingMessage, res)
    }
    return ((performance.now() - t) * 1000) / N
  }
  run(inner)
  run(wrapped)
  const runs = await alternate({ ours: () => run(wrapped), bare: () => run(inner) }, { runs: 5 })
  await monitor.close()
  return { oursUs: spread(runs.ours ?? []), bareUs: spread(runs.bare ?? []) }
}

const rules = await rulesCase()
const cost = await perRequestCost()
const http = await httpCase()
const rows: ComparisonRow[] = [
  {
    case: `RED wrap vs bare node:http (${CONCURRENCY} keep-alive clients in a separate load-generator process, ${ROUNDS} ABBA rounds of ${DURATION_MS} ms each)`,
    ours: http.ours,
    baseline: http.baseline,
    unit: 'req/s',
    target: { text: 'overhead <= 10% (ratio >= 0.90x)', met: ratioAtLeast(0.9).met },
  },
  {
    case: 'RED wrap cost per request, synthetic req/res (no sockets)',
    ours: cost.oursUs,
    baseline: cost.bareUs,
    unit: 'µs',
    higherIsBetter: false,
  },
  {
    case: `1,000 rules over 10,000 series, one evaluation (${rules.firing} firing; plain loop finds ${rules.expected}); both collect the samples from the same source`,
    ours: rules.oursMs,
    baseline: rules.plainMs,
    unit: 'ms',
    higherIsBetter: false,
    target: oursBelow(50, 'ms'),
  },
]
printRows('@opskit/monitor', rows)
