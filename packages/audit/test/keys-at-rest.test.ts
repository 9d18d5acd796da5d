import { randomBytes } from 'node:crypto'
import { existsSync, readFileSync } from 'node:fs'
import type { HostDatabase } from '@opskit/core'
import { forEachDialect } from '@opskit/test-support'
import { sql } from 'kysely'
import { expect, it } from 'vitest'
import { decryptField } from '../src/crypto/subject-crypto.js'
import { createAuditLog, createKyselyAuditStore, isOpskitError } from './helpers.js'

let counter = 0

async function rawKeyRow(db: HostDatabase, prefix: string, subjectId: string) {
  const result = await sql<
    Record<string, unknown>
  >`SELECT * FROM ${sql.table(`${prefix}audit_subject_keys`)} WHERE subject_id = ${subjectId}`.execute(db)
  return result.rows[0]
}

async function rawBody(db: HostDatabase, prefix: string) {
  const result = await sql<{
    body: string
  }>`SELECT body FROM ${sql.table(`${prefix}audit_events`)} WHERE seq = 1`.execute(db)
  return JSON.parse(String(result.rows[0]?.body)) as { id: string; actor: Record<string, string> }
}

forEachDialect('subject keys at rest', ({ db, dialect, location }) => {
  it('wraps subject keys under the host key: a reader of the database cannot open the personal fields', async () => {
    const prefix = `kr${++counter}_`
    const wrappingKey = randomBytes(32)
    const audit = await createAuditLog({
      db: db(),
      tablePrefix: prefix,
      auditReads: false,
      subjectKeyWrappingKey: wrappingKey,
    })
    await audit.logLogin({ actor: { id: 'ada', email: 'ada@example.com' } })
    await audit.flush()
    // The attacker: plain SQL, takes the key column and opens the field with it.
    const row = await rawKeyRow(db(), prefix, 'ada')
    const body = await rawBody(db(), prefix)
    const stolen = {
      subjectId: 'ada',
      keyId: String(row?.key_id),
      key: Buffer.from(String(row?.key), 'base64'),
    }
    expect(
      decryptField(new Map([[stolen.keyId, stolen]]), body.id, 'actor.email', String(body.actor.email)),
    ).toBeUndefined()
    expect(String(row?.key)).toMatch(/^w1:/)
    // The host, with the key, reads it.
    expect((await audit.query({})).events[0]?.actor.email).toBe('ada@example.com')
    await audit.close()

    // Without the wrapping key, or with another, reading is refused rather than shown as erased, and
    // nothing is written with personal fields in the clear.
    for (const other of [undefined, randomBytes(32)]) {
      const wrong = await createAuditLog({
        db: db(),
        tablePrefix: prefix,
        auditReads: false,
        writerThread: false,
        ...(other ? { subjectKeyWrappingKey: other } : {}),
      })
      const error = await wrong.query({}).then(
        () => undefined,
        (e: unknown) => e,
      )
      expect(isOpskitError(error, 'AUDIT_INVALID_OPTIONS')).toBe(true)
      await expect(wrong.logLogin({ actor: { id: 'ada', email: 'ada@example.com' } })).rejects.toMatchObject({
        code: 'AUDIT_INVALID_OPTIONS',
      })
      await wrong.close()
    }
  })

  it('validates the table prefix when the store is made, before any SQL', async () => {
    for (const tablePrefix of ['x; DROP TABLE t; --', 'Upper_', '', `a${'b'.repeat(40)}`]) {
      const error = await createKyselyAuditStore({ db: db(), tablePrefix }).then(
        () => undefined,
        (e: unknown) => e,
      )
      expect(isOpskitError(error, 'AUDIT_INVALID_OPTIONS'), tablePrefix).toBe(true)
    }
    await expect(
      createKyselyAuditStore({ db: db(), subjectKeyWrappingKey: randomBytes(16) }),
    ).rejects.toThrow(/32 bytes/)
  })

  it.runIf(dialect === 'sqlite')(
    'erases a subject key from the SQLite file and its WAL (secure_delete)',
    async () => {
      const prefix = `kr${++counter}_`
      const audit = await createAuditLog({ db: db(), tablePrefix: prefix, auditReads: false })
      for (let i = 0; i < 20; i++)
        await audit.logLogin({ actor: { id: `subject-${i}`, email: `s${i}@example.com` } })
      await audit.flush()
      const stored = String((await rawKeyRow(db(), prefix, 'subject-7'))?.key)
      const fileHolds = (text: string) =>
        [location(), `${location()}-wal`].some(
          (path) => existsSync(path) && readFileSync(path).includes(Buffer.from(text)),
        )
      expect(fileHolds(stored)).toBe(true)
      expect((await audit.forgetSubject('subject-7')).erased).toBe(true)
      await audit.close()
      expect(fileHolds(stored)).toBe(false)
      // Other subjects' keys are untouched.
      expect(fileHolds(String((await rawKeyRow(db(), prefix, 'subject-8'))?.key))).toBe(true)
      // The connection's own secure_delete setting is restored.
      const setting = await sql.raw<Record<string, unknown>>('PRAGMA secure_delete').execute(db())
      expect(Number(Object.values(setting.rows[0] ?? {})[0])).toBe(0)
    },
  )
})
