import { migrate } from '@opskit/core'
import { forEachDialect } from '@opskit/test-support'
import { expect, it } from 'vitest'
import { createKyselyNotifyStore, notifyMigrations } from '../src/index.js'

/** The migrations shipped before tenancy (0001–0004), as a database upgraded from them has run. */
const beforeTenancy = (prefix: string) => {
  const {
    '0005_tenancy': _tenancy,
    '0006_user_index_partial': _userIndex,
    '0007_tenant_statistics': _statistics,
    '0008_inbox_list_order': _inboxOrder,
    ...shipped
  } = notifyMigrations(prefix)
  return shipped
}

forEachDialect('0005_tenancy on a database with data', ({ db }) => {
  it('keeps every row (untenanted), makes keys per tenant and leaves the old rows reachable', async () => {
    const prefix = 'upgrade_'
    const t = (name: string) => `${prefix}notify_${name}`
    await migrate(db(), { namespace: 'notify', migrations: beforeTenancy, tablePrefix: prefix })
    await db()
      .insertInto(t('notifications'))
      .values({
        id: 'n-old',
        idempotency_key: 'k-old',
        user_id: 'u1',
        category: null,
        state: 'done',
        deliveries: '[]',
        created_at: 1,
        updated_at: 1,
      })
      .execute()
    await db()
      .insertInto(t('preferences'))
      .values({ user_id: 'u1', preferences: '{"locale":"fr"}' })
      .execute()
    await db()
      .insertInto(t('devices'))
      .values({ token: 'token-old-1', user_id: 'u1', platform: 'ios', created_at: 1, last_seen_at: 1 })
      .execute()
    await db()
      .insertInto(t('inbox'))
      .values({
        id: 'i-old',
        user_id: 'u1',
        title: null,
        body: 'hi',
        category: null,
        data: null,
        created_at: 1,
        read_at: null,
      })
      .execute()
    await db()
      .insertInto(t('templates'))
      .values({
        kind: 'partial',
        name: 'footer',
        channel: '',
        locale: '',
        body: '{"source":"bye"}',
        updated_at: 1,
      })
      .execute()

    const store = await createKyselyNotifyStore({ db: db(), tablePrefix: prefix })
    expect(await store.getNotificationByKey('', 'k-old')).toMatchObject({ id: 'n-old', tenantId: '' })
    expect(await store.getPreferences('', 'u1')).toEqual({ locale: 'fr' })
    expect((await store.listDevices('', 'u1')).map((d) => d.token)).toEqual(['token-old-1'])
    expect(await store.unreadCount('', 'u1')).toBe(1)
    expect(await store.listTemplates?.('')).toEqual([
      { kind: 'partial', name: 'footer', source: 'bye', updatedAt: 1 },
    ])
    // the old key is now the untenanted scope's: a tenant may use it, the scope itself may not again
    const record = {
      id: 'n-new',
      idempotencyKey: 'k-old',
      state: 'done' as const,
      deliveries: [],
      createdAt: 2,
      updatedAt: 2,
    }
    expect(await store.insertNotification({ ...record, tenantId: 'acme' })).toBe(true)
    expect(await store.insertNotification({ ...record, id: 'n-again', tenantId: '' })).toBe(false)
    expect(await store.getPreferences('acme', 'u1')).toBeUndefined()
    await store.close()
  })
})
