import { forEachDialect } from '@opskit/test-support'
import { CompiledQuery } from 'kysely'
import { expect, it } from 'vitest'
import { createKyselyNotifyStore, createNotifier, type NotificationRecord } from '../src/index.js'
import { createMockSmsProvider } from '../src/testing/index.js'

forEachDialect('notify send under concurrency', ({ db, dialect, openAnother }) => {
  it('logs every acknowledged send, sends a key once even when raced in one batch, and leaves the connection as it was', async () => {
    const sms = createMockSmsProvider()
    const notifier = await createNotifier({
      db: db(),
      tablePrefix: 'conc_',
      providers: { sms: [sms] },
      templates: [{ name: 'code', channel: 'sms', text: 'Your code is {{code}}' }],
    })
    await notifier.preferences.set('u1', { categories: { marketing: false } })
    const send = (i: number, key?: string) =>
      notifier.send({
        userId: `u${i % 3}`,
        to: { phone: '+14155550100' },
        channels: ['sms'],
        template: 'code',
        data: { code: String(100_000 + i) },
        ...(key ? { idempotencyKey: key } : {}),
      })
    // 48 keyed sends, each key raced twice at once, plus 16 without a key
    const results = await Promise.all([
      ...Array.from({ length: 48 }, (_, i) => send(i, `conc-${i}`)),
      ...Array.from({ length: 48 }, (_, i) => send(i, `conc-${i}`)),
      ...Array.from({ length: 16 }, (_, i) => send(100 + i)),
    ])
    // a racing repeat either got the first result or found it in flight; never a second send
    expect(sms.sent).toHaveLength(64)
    expect(results.filter((result) => !result.duplicate)).toHaveLength(64)
    const acknowledged = results.filter((result) => !result.duplicate)
    // every acknowledged send is in the delivery log, done, as another connection reads it
    const other = openAnother()
    const rows = await other
      .selectFrom('conc_notify_notifications')
      .select(['id', 'state', 'deliveries'])
      .execute()
    const byId = new Map(rows.map((row) => [String(row.id), row]))
    for (const result of acknowledged) {
      const row = byId.get(result.id)
      expect(row?.state).toBe('done')
      expect(JSON.parse(String(row?.deliveries))).toEqual(result.deliveries)
    }
    const links = await other.selectFrom('conc_notify_provider_messages').select('notification_id').execute()
    expect(links).toHaveLength(64)
    // a later repeat of every key returns the first result and sends nothing
    const again = await Promise.all(Array.from({ length: 48 }, (_, i) => send(i, `conc-${i}`)))
    expect(again.every((result) => result.duplicate)).toBe(true)
    expect(sms.sent).toHaveLength(64)
    if (dialect === 'sqlite') {
      const level = await db().executeQuery(CompiledQuery.raw('PRAGMA synchronous'))
      expect(level.rows).toEqual([{ synchronous: 2 }])
    }
    await notifier.close()
  })
})

forEachDialect('notify store send path', ({ db, dialect }) => {
  it('claims of one group: a taken key is skipped, a failing row fails alone, the others are claimed', async () => {
    const store = await createKyselyNotifyStore({ db: db(), tablePrefix: 'path_' })
    const record = (id: string, key: string): NotificationRecord => ({
      id,
      tenantId: '',
      idempotencyKey: key,
      state: 'sending',
      deliveries: [],
      createdAt: 1,
      updatedAt: 1,
    })
    const outcomes = await Promise.allSettled([
      store.insertNotification(record('n1', 'k1')),
      store.insertNotification(record('n2', 'k1')), // same key: skipped
      store.insertNotification(record('n1', 'k3')), // same id, new key: the primary key refuses it
      store.insertNotification(record('n4', 'k4')),
    ])
    expect(outcomes.map((o) => (o.status === 'fulfilled' ? o.value : 'rejected'))).toEqual([
      true,
      false,
      'rejected',
      true,
    ])
    expect((await store.getNotificationByKey('', 'k1'))?.id).toBe('n1')
    expect(await store.getNotificationByKey('', 'k3')).toBeUndefined()
    await Promise.all([
      store.completeNotification(
        '',
        'n1',
        [{ channel: 'sms', provider: 'p', status: 'sent', providerMessageId: 'm1', attempts: 1 }],
        2,
      ),
      store.completeNotification(
        '',
        'n4',
        [{ channel: 'sms', provider: 'p', status: 'sent', providerMessageId: 'm4', attempts: 1 }],
        2,
      ),
    ])
    expect((await store.getNotification('', 'n4'))?.state).toBe('done')
    expect(
      await store.recordReceipt('', { provider: 'p', providerMessageId: 'm1', status: 'delivered' }, 3),
    ).toBe(true)
    await store.close()
  })

  it('claims of one group with taken keys and no failure: exactly the rows that went in are claimed', async () => {
    const store = await createKyselyNotifyStore({ db: db(), tablePrefix: 'taken_' })
    const record = (id: string, key: string, tenantId = ''): NotificationRecord => ({
      id,
      tenantId,
      idempotencyKey: key,
      state: 'sending',
      deliveries: [],
      createdAt: 1,
      updatedAt: 1,
    })
    expect(await store.insertNotification(record('a0', 'held'))).toBe(true)
    const outcomes = await Promise.all([
      store.insertNotification(record('a1', 'k1')),
      store.insertNotification(record('a2', 'held')), // taken by an earlier group
      store.insertNotification(record('a3', 'k1')), // taken by a1 in this group (SQLite)
      store.insertNotification(record('a4', 'held', 't2')), // the same key in another tenant
      store.insertNotification(record('a5', 'k5'), { wait: 'committed' }),
      store.insertNotification(record('a6', 'k6')),
    ])
    // k1 is raced by a1 and a3: on SQLite one group claims in order, on PostgreSQL either wins
    const k1 = outcomes[0] ? 'a1' : 'a3'
    if (dialect === 'sqlite') expect(k1).toBe('a1')
    expect(outcomes).toEqual([k1 === 'a1', false, k1 === 'a3', true, true, true])
    for (const [tenant, key, id] of [
      ['', 'held', 'a0'],
      ['', 'k1', k1],
      ['t2', 'held', 'a4'],
      ['', 'k5', 'a5'],
      ['', 'k6', 'a6'],
    ] as const)
      expect((await store.getNotificationByKey(tenant, key))?.id).toBe(id)
    expect(await store.getNotification('', 'a2')).toBeUndefined()
    expect(await store.getNotification('', k1 === 'a1' ? 'a3' : 'a1')).toBeUndefined()
    await store.close()
  })
})
