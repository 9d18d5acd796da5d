import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { generateWebhookSecret } from '@opskit/core'
import { forEachDialect, startHttpFake } from '@opskit/test-support'
import { describe, expect, it } from 'vitest'
import { createNotifier } from '../src/index.js'
import { createMockSmsProvider } from '../src/testing/index.js'
import { webhookProvider } from '../src/webhook/index.js'

async function waitFor(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
}

forEachDialect('notify outbox', ({ db, dialect, openAnother, location }) => {
  it('sends a message enqueued in a committed transaction, never one from a rolled-back one', async () => {
    const sms = createMockSmsProvider()
    const notifier = await createNotifier({
      mode: 'production',
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
    const dispatcher = notifier.startDispatcher({ autoStart: false })
    expect(await dispatcher.runOnce()).toBe(1)
    expect(await dispatcher.runOnce()).toBe(0)
    expect(sms.sent.map((m) => m.body)).toEqual(['order 1 paid'])
    expect(await db().selectFrom('orders').select('id').execute()).toEqual([{ id: 1 }])
    await expect(
      notifier.enqueue({ to: { phone: 'bad' }, channels: ['sms'], content: { text: 'x' } }),
    ).rejects.toMatchObject({ code: 'NOTIFY_INVALID_MESSAGE' })
    await notifier.close()
  })

  it('two dispatchers on two connections send every message exactly once', async () => {
    const total = dialect === 'postgres' ? 2_000 : 400
    const sent = new Map<string, number>()
    const make = async (database: ReturnType<typeof db>, name: string) => {
      const sms = createMockSmsProvider(name)
      const notifier = await createNotifier({
        mode: 'production',
        db: database,
        tablePrefix: 'pair_',
        providers: { sms: [sms] },
      })
      return { notifier, sms }
    }
    const a = await make(db(), 'sms-a')
    const b = await make(openAnother(), 'sms-b')
    for (let start = 0; start < total; start += 200) {
      await db()
        .transaction()
        .execute(async (trx) => {
          for (let i = start; i < Math.min(total, start + 200); i++) {
            await a.notifier.enqueue(
              {
                to: { phone: '+14155550100' },
                channels: ['sms'],
                content: { text: `m${i}` },
                idempotencyKey: `pair-${i}`,
              },
              { trx },
            )
          }
        })
    }
    const options = { batchSize: 50, concurrency: 8, pollIntervalMs: 10 }
    const da = a.notifier.startDispatcher(options)
    const db2 = b.notifier.startDispatcher(options)
    const done = async () =>
      Number(
        (
          await db()
            .selectFrom('pair_notify_outbox')
            .select((eb) => eb.fn.countAll().as('n'))
            .where('state', '=', 'done')
            .executeTakeFirst()
        )?.n ?? 0,
      )
    await waitFor(async () => (await done()) >= total, 90_000, 'all messages')
    await da.stop()
    await db2.stop()
    for (const message of [...a.sms.sent, ...b.sms.sent])
      sent.set(message.idempotencyKey, (sent.get(message.idempotencyKey) ?? 0) + 1)
    expect(sent.size).toBe(total)
    expect([...sent.values()].every((count) => count === 1)).toBe(true)
    if (dialect === 'postgres') {
      // SKIP LOCKED lets both claim side by side; SQLite serialises writers, so one may take all
      expect(a.sms.sent.length).toBeGreaterThan(0)
      expect(b.sms.sent.length).toBeGreaterThan(0)
    }
    await a.notifier.close()
    await b.notifier.close()
  }, 120_000)

  it('a dispatcher killed mid-batch loses nothing; resends carry the same webhook-id', async () => {
    const secret = generateWebhookSecret()
    const receiver = await startHttpFake()
    receiver.route('POST', '/hook', () => ({ status: 204, delayMs: 40 }))
    const notifier = await createNotifier({
      mode: 'production',
      db: db(),
      providers: { webhook: [webhookProvider({ secrets: secret, allowPrivateNetworks: true })] },
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
    const dispatcher = notifier.startDispatcher({ pollIntervalMs: 20, leaseMs: 1_000 })
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
    const notifier = await createNotifier({ mode: 'mock' })
    await expect(
      notifier.enqueue(
        { to: { phone: '+14155550100' }, channels: ['sms'], content: { text: 'x' } },
        { trx: {} as never },
      ),
    ).rejects.toMatchObject({ code: 'NOTIFY_STORE_UNSUPPORTED' })
  })
})
