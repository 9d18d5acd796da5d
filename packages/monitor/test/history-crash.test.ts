import { type ChildProcess, spawn } from 'node:child_process'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { forEachDialect } from '@opskit/test-support'
import { afterEach, expect, it } from 'vitest'

const T0 = Date.UTC(2026, 0, 1)
const MIN = 60_000
const HOUR = 60 * MIN
/** Short raw and minute windows, so three hours of history span all three resolutions. */
const HISTORY = JSON.stringify({ rawMs: MIN, minutesMs: HOUR, flushIntervalMs: MIN })

interface Host {
  child: ChildProcess
  /** Sends one command and returns its JSON answer. */
  ask(command: string): Promise<unknown>
}

const hosts: ChildProcess[] = []
afterEach(() => {
  for (const child of hosts.splice(0))
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
})

/** Starts test/fixtures/history-host.ts on the shared database, its clock at `start`. */
async function startHost(dialect: string, location: string, start: number): Promise<Host> {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      fileURLToPath(new URL('./fixtures/history-host.ts', import.meta.url)),
      dialect,
      location,
      String(start),
      HISTORY,
    ],
    { stdio: ['pipe', 'pipe', 'inherit'] },
  )
  hosts.push(child)
  const answers: string[] = []
  const waiting: Array<() => void> = []
  createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
    answers.push(line)
    for (const wake of waiting.splice(0)) wake()
  })
  // a host that dies without answering wakes the waiter, which then fails instead of hanging
  let closed = false
  child.once('close', () => {
    closed = true
    for (const wake of waiting.splice(0)) wake()
  })
  const next = async (): Promise<unknown> => {
    while (answers.length === 0) {
      if (closed) throw new Error(`host exited (${child.exitCode ?? child.signalCode}) without answering`)
      await new Promise<void>((resolve) => waiting.push(resolve))
    }
    return JSON.parse(answers.shift() as string)
  }
  expect(await next()).toBe('ready')
  return {
    child,
    ask(command) {
      child.stdin?.write(`${command}\n`)
      return next()
    },
  }
}

forEachDialect('history survives a SIGKILL', (ctx) => {
  it('a second process gives the same SLO report, burn rates, Grafana history and past queries', async () => {
    const sent = { ok: 0, err: 0, at59: 0 }
    const first = await startHost(ctx.dialect, ctx.location(), T0)
    for (let minute = 1; minute <= 180; minute++) {
      const err = minute % 10 === 0 ? 30 : 3
      sent.ok += 600
      sent.err += err
      await first.ask(`traffic 600 ${err}`)
      await first.ask(`step ${MIN}`)
      if (minute === 59) sent.at59 = sent.ok + sent.err
    }
    // mid-minute, mid-window: traffic the last flush has not seen yet
    sent.ok += 100
    sent.err += 1
    await first.ask('traffic 100 1')
    await first.ask('step 20000')
    const end = T0 + 180 * MIN + 20_000
    const before = {
      report: await first.ask('report'),
      grafana: await first.ask(`grafana ${T0} ${end}`),
      query: await first.ask(`query ${T0 + 90 * MIN}`),
    }
    first.child.kill('SIGKILL')
    await new Promise((resolve) => first.child.once('exit', resolve))

    // the oracles: what the test sent, and the recorded value of the last sample of hour one
    const report = before.report as {
      totalEvents: number
      availability: number
      burnRates: Record<string, number>
    }
    expect(report.totalEvents).toBe(sent.ok + sent.err)
    expect(report.availability).toBeCloseTo(sent.ok / (sent.ok + sent.err), 12)
    expect(Object.keys(report.burnRates).sort()).toEqual(['1h', '30m', '3d', '5m', '6h'])
    const series = before.grafana as Array<{ target: string; datapoints: Array<[number, number]> }>
    expect(series.map((s) => s.target).sort()).toEqual(['{code="200"}', '{code="500"}'])
    const times = series[0]?.datapoints.map(([, t]) => t) ?? []
    // three hour buckets, then raw samples (the minute window is empty at this time)
    expect(times.slice(0, 3)).toEqual([T0, T0 + HOUR, T0 + 2 * HOUR])
    expect(times.slice(3)).toEqual([T0 + 180 * MIN, end])
    expect(before.query).toEqual({ kind: 'vector', elements: [{ labels: {}, value: sent.at59 }] })

    const second = await startHost(ctx.dialect, ctx.location(), end)
    expect(await second.ask('report')).toEqual(before.report)
    expect(await second.ask(`grafana ${T0} ${end}`)).toEqual(before.grafana)
    expect(await second.ask(`query ${T0 + 90 * MIN}`)).toEqual(before.query)
  }, 240_000)
})
