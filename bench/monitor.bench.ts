// @opskit/monitor: (1) RED middleware overhead — a bare node:http handler vs the same handler
// wrapped by monitor.http.wrap, requests/s from an in-process keep-alive loopback load generator;
// (2) rule evaluation — 1,000 rules over 10,000 series, one evaluation, vs a plain loop computing
// the same thresholds.
// Run: cd bench && node --expose-gc --import tsx monitor.bench.ts
import { Agent, createServer, type IncomingMessage, request, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createFakeClock } from '@opskit/core/testing'
import { createMonitor, createPushSampleSource, createRuleEngine } from '@opskit/monitor'
import { printRows } from './lib/compare.js'

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
  agent: Agent
  close: () => Promise<void>
}

async function serve(listener: (req: IncomingMessage, res: ServerResponse) => void): Promise<Target> {
  const server = createServer(listener)
  server.keepAliveTimeout = 60_000
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY })
  return {
    port,
    agent,
    close: async () => {
      agent.destroy()
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}

/** Drives `target` with CONCURRENCY keep-alive clients for `ms`; returns completed requests. */
async function load(target: Target, ms: number): Promise<number> {
  let done = 0
  let stop = false
  const one = (i: number) =>
    new Promise<void>((resolve, reject) => {
      const req = request(
        {
          host: '127.0.0.1',
          port: target.port,
          path: i % 4 === 0 ? '/health' : `/users/${i % 1000}`,
          agent: target.agent,
        },
        (res) => {
          res.resume()
          res.on('end', resolve)
          res.on('error', reject)
        },
      )
      req.on('error', reject)
      req.end()
    })
  const worker = async (w: number) => {
    let i = w
    while (!stop) {
      await one(i)
      i += CONCURRENCY
      done++
    }
  }
  const workers = Array.from({ length: CONCURRENCY }, (_, w) => worker(w))
  await new Promise((r) => setTimeout(r, ms))
  stop = true
  await Promise.all(workers)
  return done
}

const median = (values: number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number

async function httpCase() {
  const monitor = await createMonitor({ serviceName: 'bench', defaultMetrics: false })
  const wrapped = monitor.http.wrap(handler, { routes: ['/users/:id', '/health'] })
  const bare = await serve(handler)
  const ours = await serve(wrapped as (req: IncomingMessage, res: ServerResponse) => void)
  await load(bare, 500)
  await load(ours, 500)
  // ABBA-ordered short rounds against two live servers, so drift and order effects cancel
  const totals = { bare: 0, ours: 0, ms: 0 }
  for (let round = 0; round < ROUNDS; round++) {
    const order = round % 2 === 0 ? [bare, ours] : [ours, bare]
    for (const target of order) {
      const n = await load(target, DURATION_MS)
      if (target === bare) totals.bare += n
      else totals.ours += n
    }
    totals.ms += DURATION_MS
  }
  await bare.close()
  await ours.close()
  await monitor.close()
  return { ours: (totals.ours * 1000) / totals.ms, baseline: (totals.bare * 1000) / totals.ms }
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
  const samples = source.collect()
  const plain = () => {
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
  const time = async (fn: () => unknown, n: number) => {
    const runs: number[] = []
    for (let i = 0; i < n; i++) {
      const t = performance.now()
      await fn()
      runs.push(performance.now() - t)
    }
    return median(runs)
  }
  let at = clock.now()
  await engine.evaluate(at) // warm-up (creates pending instances)
  const oursMs = await time(() => {
    at += 60_000
    return engine.evaluate(at)
  }, 21)
  const plainMs = await time(plain, 21)
  const firing = engine.instances().filter((i) => i.state === 'firing').length
  return { oursMs, plainMs, firing, expected: plain() }
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
  const bareUs = median([run(inner), run(inner), run(inner)])
  const oursUs = median([run(wrapped), run(wrapped), run(wrapped)])
  await monitor.close()
  return { oursUs, bareUs }
}

const rules = await rulesCase()
const cost = await perRequestCost()
const http = await httpCase()
printRows('@opskit/monitor', [
  {
    case: `RED wrap vs bare node:http (${CONCURRENCY} keep-alive clients, ${ROUNDS} ABBA rounds of ${DURATION_MS} ms each)`,
    ours: http.ours,
    baseline: http.baseline,
    unit: 'req/s',
    target: 'overhead <= 10% (ratio >= 0.90x)',
  },
  {
    case: 'RED wrap cost per request, synthetic req/res (no sockets)',
    ours: cost.oursUs,
    baseline: cost.bareUs,
    unit: 'µs',
    higherIsBetter: false,
  },
  {
    case: `1,000 rules over 10,000 series, one evaluation (${rules.firing} firing; plain loop finds ${rules.expected})`,
    ours: rules.oursMs,
    baseline: rules.plainMs,
    unit: 'ms',
    higherIsBetter: false,
    target: '< 50 ms',
  },
])
