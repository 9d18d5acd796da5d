import { spawn } from 'node:child_process'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { generateWebhookSecret } from '@opskit/core'
import { forEachDialect, startHttpFake } from '@opskit/test-support'
import { describe, expect, it, onTestFinished } from 'vitest'
import { createNotifier } from '../src/index.js'
import { createMemoryNotifyStore, createMockSmsProvider, mockProviders } from '../src/testing/index.js'
import { createWebhookProvider } from '../src/webhook/index.js'

async function waitFor(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
}

interface Worker {
  /** Resolves with the first stdout line matching `pattern` (already printed or still to come). */
  line(pattern: string | RegExp, timeoutMs?: number): Promise<string>
  send(command: 'go' | 'stop'): void
  /** Kills the process if it still runs. */
  kill(): void
  /** The exit code. */
  exited: Promise<number | null>
}

/** Starts one dispatcher process (test/fixtures/outbox-dispatch-worker.ts) on the shared database. */
function startWorker(dialect: string, location: string, secret: string): Worker {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      fileURLToPath(new URL('./fixtures/outbox-dispatch-worker.ts', import.meta.url)),
      dialect,
      location,
      secret,
      'procs_',
    ],
    { stdio: ['pipe', 'pipe', 'inherit'] },
  )
  const lines: string[] = []
  const waiting: Array<() => void> = []
  createInterface({ input: child.stdout }).on('line', (text) => {
    lines.push(text)
    for (const wake of waiting.splice(0)) wake()
  })
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  const matches = (text: string, pattern: string | RegExp) =>
    typeof pattern === 'string' ? text === pattern : pattern.test(text)
  return {
    exited,
    send: (command) => child.stdin.write(`${command}\n`),
    kill: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
    },
    async line(pattern, timeoutMs = 60_000) {
      const deadline = Date.now() + timeoutMs
      for (;;) {
        const found = lines.find((text) => matches(text, pattern))
        if (found !== undefined) return found
        const woken = new Promise<void>((resolve) => waiting.push(resolve))
        const late = new Promise<'late'>((resolve) =>
          setTimeout(resolve, deadline - Date.now(), 'late').unref(),
        )
        const outcome = await Promise.race([woken.then(() => 'line' as const), exited, late])
        if (outcome === 'late')
          throw new Error(`the dispatcher worker printed no ${String(pattern)} in ${timeoutMs} ms`)
        if (outcome !== 'line' && !lines.some((text) => matches(text, pattern)))
          throw new Error(`the dispatcher worker exited (${outcome}) before printing ${String(pattern)}`)
      }
    },
  }
}

forEachDialect('notify outbox', ({ db, dialect, location }) => {
  it('sends a message enqueued in a committed transaction, never one from a rolled-back one', async () => {
    const sms = createMockSmsProvider()
    const notifier = await createNotifier({
      db: db(),
      tablePrefix: 'tx_',
      providers: { sms: [sms] },
    })
    await db()
      .schema.createTable('orders')
      .ifNotExists()
      .addColumn('id', 'integer', (c) => c.primaryKey())
      .execute()
    await db()
      .transaction()
      .execute(async (trx) => {
        await trx.insertInto('orders').values({ id: 1 }).execute()
        await notifier.enqueue(
          { to: { phone: '+14155550101' }, channels: ['sms'], content: { text: 'order 1 paid' } },
          { trx },
        )
      })
    await expect(
      db()
        .transaction()
        .execute(async (trx) => {
          await trx.insertInto('orders').values({ id: 2 }).execute()
          await notifier.enqueue(
            { to: { phone: '+14155550102' }, channels: ['sms'], content: { text: 'order 2 paid' } },
            { trx },
          )
          throw new Error('payment failed')
        }),
    ).rejects.toThrow('payment failed')
    const dispatcher = notifier.startOutboxDispatcher({ autoStart: false })
    expect(await dispatcher.runOnce()).toBe(1)
    expect(await dispatcher.runOnce()).toBe(0)
    expect(sms.sent.map((m) => m.body)).toEqual(['order 1 paid'])
    expect(await db().selectFrom('orders').select('id').execute()).toEqual([{ id: 1 }])
    await expect(
      notifier.enqueue({ to: { phone: 'bad' }, channels: ['sms'], content: { text: 'x' } }),
    ).rejects.toMatchObject({ code: 'NOTIFY_INVALID_MESSAGE' })
    await notifier.close()
  })

  it('two dispatcher processes racing on one outbox deliver every message exactly once', async () => {
    const total = dialect === 'postgres' ? 1_000 : 400
    const secret = generateWebhookSecret()
    const receiver = await startHttpFake()
    receiver.route('POST', '/hook', () => ({ status: 204, delayMs: 2 }))
    const notifier = await createNotifier({
      db: db(),
      tablePrefix: 'procs_',
      providers: { webhook: [createWebhookProvider({ secrets: secret, allowPrivateNetworks: true })] },
    })
    for (let start = 0; start < total; start += 200) {
      await db()
        .transaction()
        .execute(async (trx) => {
          for (let i = start; i < Math.min(total, start + 200); i++) {
            await notifier.enqueue(
              {
                to: { url: `${receiver.url}/hook` },
                channels: ['webhook'],
                data: { i },
                idempotencyKey: `procs-${i}`,
              },
              { trx },
            )
          }
        })
    }
    const workers = [startWorker(dialect, location(), secret), startWorker(dialect, location(), secret)]
    onTestFinished(() => {
      for (const worker of workers) worker.kill()
    })
    await Promise.all(workers.map((worker) => worker.line('ready')))
    for (const worker of workers) worker.send('go')
    const outbox = () => db().selectFrom('procs_notify_outbox').select(['state', 'attempts', 'lease_owner'])
    // waiting ends early once a row was claimed twice; on timeout or early end, the assertions
    // below say what went wrong (duplicates, rows claimed twice, rows left)
    await waitFor(
      async () =>
        (receiver.requests.length >= total &&
          (await outbox().where('state', '=', 'done').execute()).length >= total) ||
        (await outbox().where('attempts', '>', 1).execute()).length > 0,
      90_000,
      'both processes to drain the outbox',
    ).catch(() => {})
    for (const worker of workers) worker.send('stop')
    // the workers finish their in-flight sends before they exit: a late duplicate is counted too
    await Promise.all(workers.map((worker) => worker.line(/^stopped /, 30_000)))
    expect(await Promise.all(workers.map((worker) => worker.exited))).toEqual([0, 0])
    const counts = new Map<string, number>()
    for (const request of receiver.requests) {
      const id = String(request.headers['webhook-id'])
      counts.set(id, (counts.get(id) ?? 0) + 1)
    }
    const duplicated = [...counts].filter(([, count]) => count > 1)
    expect(duplicated, 'webhooks delivered more than once').toEqual([])
    const rows = await outbox().execute()
    expect(rows).toHaveLength(total)
    // each row claimed by one process once: a second claim would bump attempts
    expect(
      rows.filter((row) => Number(row.attempts) > 1),
      'rows claimed more than once',
    ).toEqual([])
    expect(
      rows.filter((row) => row.state !== 'done'),
      'rows not sent',
    ).toEqual([])
    expect(counts.size).toBe(total)
    expect(receiver.requests).toHaveLength(total)
    // real contention: both processes took a share of the rows
    const owners = new Map<string, number>()
    for (const row of rows)
      owners.set(String(row.lease_owner), (owners.get(String(row.lease_owner)) ?? 0) + 1)
    expect(owners.size).toBe(2)
    await notifier.close()
    await receiver.stop()
  }, 150_000)

  it('a dispatcher killed mid-batch loses nothing; resends carry the same webhook-id', async () => {
    const secret = generateWebhookSecret()
    const receiver = await startHttpFake()
    receiver.route('POST', '/hook', () => ({ status: 204, delayMs: 40 }))
    const notifier = await createNotifier({
      db: db(),
      providers: { webhook: [createWebhookProvider({ secrets: secret, allowPrivateNetworks: true })] },
      defaults: { staleAfterMs: 1_000 },
    })
    const total = 120
    for (let i = 0; i < total; i++) {
      await notifier.enqueue({
        to: { url: `${receiver.url}/hook` },
        channels: ['webhook'],
        data: { i },
        idempotencyKey: `crash-${i}`,
      })
    }
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        fileURLToPath(new URL('./fixtures/outbox-child.ts', import.meta.url)),
        dialect,
        location(),
        secret,
      ],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    )
    await waitFor(async () => receiver.requests.length >= 30, 60_000, 'the child to send')
    child.kill('SIGKILL')
    await new Promise((resolve) => child.once('exit', resolve))
    const byChild = receiver.requests.length
    expect(byChild).toBeLessThan(total)
    const dispatcher = notifier.startOutboxDispatcher({ pollIntervalMs: 20, leaseMs: 1_000 })
    await waitFor(
      async () =>
        (await notifier.deliveries.list({ limit: total + 10 })).filter((r) => r.state === 'done').length >=
        total,
      60_000,
      'recovery',
    )
    await dispatcher.stop()
    const ids = receiver.requests.map((r) => String(r.headers['webhook-id']))
    const counts = new Map<string, number>()
    for (const id of ids) counts.set(id, (counts.get(id) ?? 0) + 1)
    expect(counts.size).toBe(total)
    const resent = [...counts.values()].filter((count) => count > 1)
    expect(resent.every((count) => count === 2)).toBe(true)
    expect(resent.length).toBeLessThanOrEqual(byChild)
    await notifier.close()
    await receiver.stop()
  }, 120_000)
})

describe('outbox with the memory store', () => {
  it('refuses a host transaction it cannot join', async () => {
    const notifier = await createNotifier({
      store: createMemoryNotifyStore(),
      providers: mockProviders().providers,
    })
    await expect(
      notifier.enqueue(
        { to: { phone: '+14155550100' }, channels: ['sms'], content: { text: 'x' } },
        { trx: {} as never },
      ),
    ).rejects.toMatchObject({ code: 'NOTIFY_STORE_UNSUPPORTED' })
  })
})
