/**
 * Issue 22 "done means" for rules and incidents: two monitor processes on one PostgreSQL, and two
 * on one SQLite file. A rule created on the follower is evaluated by the leader and listed on
 * both; an incident acknowledged on the follower is acknowledged on the leader; after the leader
 * is SIGKILLed, the other takes over and still has the rule and the incident state.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { createPostgresDatabase, tempSqlitePath } from '@opskit/test-support'
import { afterEach, describe, expect, it, vi } from 'vitest'

/** A monitor process (test/fixtures/state-host.ts) and a way to send it commands. */
interface Host {
  child: ChildProcess
  call<T = unknown>(op: string, args?: Record<string, unknown>): Promise<T>
}

const hosts: Host[] = []
const cleanups: Array<() => void> = []
afterEach(() => {
  for (const host of hosts.splice(0))
    if (host.child.exitCode === null && host.child.signalCode === null) host.child.kill('SIGKILL')
  for (const c of cleanups.splice(0)) c()
})

async function startHost(dialect: string, location: string): Promise<Host> {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      fileURLToPath(new URL('./fixtures/state-host.ts', import.meta.url)),
      dialect,
      location,
    ],
    { stdio: ['pipe', 'pipe', 'inherit'] },
  )
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: unknown) => void }>()
  let ready: () => void = () => undefined
  const started = new Promise<void>((resolve) => {
    ready = resolve
  })
  createInterface({ input: child.stdout as NonNullable<typeof child.stdout> }).on('line', (text) => {
    const message = JSON.parse(text) as { ready?: boolean; id?: number; result?: unknown; error?: unknown }
    if (message.ready) return ready()
    const waiter = pending.get(message.id as number)
    pending.delete(message.id as number)
    if (message.error) waiter?.reject(message.error)
    else waiter?.resolve(message.result)
  })
  let next = 0
  const host: Host = {
    child,
    call: (op, args = {}) =>
      new Promise((resolve, reject) => {
        const id = ++next
        pending.set(id, { resolve: resolve as (v: unknown) => void, reject })
        child.stdin?.write(`${JSON.stringify({ id, op, ...args })}\n`)
      }),
  }
  hosts.push(host)
  await started
  return host
}

interface State {
  leader: boolean
  rules: Array<{ name: string; lastEvaluation?: number }>
  alerts: Array<{ rule: string; state: string }>
}
interface IncidentView {
  id: string
  status: string
  acknowledgedBy?: string
}

async function scenario(dialect: 'postgres' | 'sqlite', location: string) {
  const a = await startHost(dialect, location)
  await vi.waitFor(async () => expect((await a.call<State>('state')).leader).toBe(true), { timeout: 15_000 })
  const b = await startHost(dialect, location)
  // b has run a few evaluation ticks without getting the leadership
  await new Promise((resolve) => setTimeout(resolve, 1000))
  expect((await b.call<State>('state')).leader).toBe(false)

  // a rule created on the follower is evaluated by the leader and listed on both
  await b.call('createRule', { rule: { alert: 'ApiDown', expr: 'up == 0', labels: { severity: 'page' } } })
  await vi.waitFor(
    async () =>
      expect((await a.call<State>('state')).alerts).toContainEqual({ rule: 'ApiDown', state: 'firing' }),
    { timeout: 15_000 },
  )
  for (const host of [a, b])
    expect(await host.call('listRules')).toEqual([expect.objectContaining({ name: 'ApiDown', version: 1 })])
  expect(
    (await b.call<State>('state')).rules.find((r) => r.name === 'ApiDown')?.lastEvaluation,
  ).toBeUndefined()

  // the leader's incident is seen on the follower; acknowledged there, it is acknowledged on the leader
  const incident = await vi.waitFor(
    async () => {
      const [found] = await b.call<IncidentView[]>('incidents')
      expect(found).toBeDefined()
      return found as IncidentView
    },
    { timeout: 15_000 },
  )
  await b.call('acknowledge', { incidentId: incident.id, by: 'ana' })
  await vi.waitFor(
    async () =>
      expect(await a.call('getIncident', { incidentId: incident.id })).toMatchObject({
        status: 'acknowledged',
        acknowledgedBy: 'ana',
      }),
    { timeout: 15_000 },
  )
  expect(await b.call('getIncident', { incidentId: incident.id })).toMatchObject({ status: 'acknowledged' })

  // the leader dies: b takes over with the rule and the incident state
  a.child.kill('SIGKILL')
  const killedAt = Date.now()
  await vi.waitFor(async () => expect((await b.call<State>('state')).leader).toBe(true), {
    timeout: 15_000,
    interval: 50,
  })
  const takeoverMs = Date.now() - killedAt
  await vi.waitFor(
    async () =>
      expect((await b.call<State>('state')).alerts).toContainEqual({ rule: 'ApiDown', state: 'firing' }),
    { timeout: 15_000 },
  )
  expect(await b.call('listRules')).toEqual([expect.objectContaining({ name: 'ApiDown' })])
  expect(await b.call<IncidentView[]>('incidents')).toEqual([
    expect.objectContaining({ id: incident.id, status: 'acknowledged', acknowledgedBy: 'ana' }),
  ])
  return takeoverMs
}

describe('two monitor processes share rules and incidents, and survive the leader being killed', () => {
  it('on one PostgreSQL database', async () => {
    const takeover = await scenario('postgres', await createPostgresDatabase())
    expect(takeover).toBeLessThan(5000)
  }, 90_000)

  it('on one SQLite file', async () => {
    const file = tempSqlitePath()
    cleanups.push(() => void file.cleanup())
    const takeover = await scenario('sqlite', file.path)
    // the lease (3 intervals, at least 1 s) has to run out first
    expect(takeover).toBeLessThan(5000)
  }, 90_000)
})
