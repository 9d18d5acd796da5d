import { generateKeyPairSync } from 'node:crypto'
import type { HostDatabase } from '@opskit/core'
import { forEachDialect } from '@opskit/test-support'
import { sql } from 'kysely'
import { expect, it } from 'vitest'
import { type AuditLog, chainHash, createAuditLog, leafHash } from '../src/index.js'

let counter = 0

async function seed(db: HostDatabase) {
  const prefix = `vr${++counter}_`
  const { privateKey, publicKey } = generateKeyPairSync('ed25519')
  const audit = await createAuditLog({
    db,
    tablePrefix: prefix,
    signingKey: privateKey,
    checkpointEvery: 10,
    auditReads: false,
  })
  for (let i = 1; i <= 20; i++)
    await audit.logDataAccess({ actor: { id: 'u' }, target: { type: 'doc', id: `d${i}` } })
  await audit.flush()
  return { audit, publicKey, t: (name: string) => sql.table(`${prefix}audit_${name}`), prefix }
}

function failuresOf(result: Awaited<ReturnType<AuditLog['verify']>>) {
  return result.failures.map((f) => [f.seq, f.kind])
}

forEachDialect('verify reports what it reads, never throws', ({ db, dialect }) => {
  it('reports a malformed stored checkpoint row at its seq', async () => {
    const { audit, publicKey, t } = await seed(db())
    await sql`INSERT INTO ${t('checkpoints')} (chain_id, seq, hash, "text", created_at)
      VALUES ('', 7, ${'0'.repeat(64)}, 'garbage', 0)`.execute(db())
    const result = await audit.verify({ publicKey })
    expect(failuresOf(result)).toEqual([[7, 'bad-checkpoint']])
    await audit.close()
  })

  it('compares stored checkpoint columns with their signed text', async () => {
    const { audit, publicKey, t } = await seed(db())
    const signed = (
      await sql<Record<string, unknown>>`SELECT * FROM ${t('checkpoints')} WHERE seq = 20`.execute(db())
    ).rows[0]
    const row15 = (
      await sql<Record<string, unknown>>`SELECT hash FROM ${t('events')} WHERE seq = 15`.execute(db())
    ).rows[0]
    // The signed text says 20; the columns say 15 with the hash of 15, which agrees with the chain.
    await sql`INSERT INTO ${t('checkpoints')} (chain_id, seq, hash, "text", created_at)
      VALUES ('', 15, ${String(row15?.hash)}, ${String(signed?.text)}, 0)`.execute(db())
    expect(failuresOf(await audit.verify({ publicKey }))).toEqual([[15, 'bad-checkpoint']])
    await audit.close()
  })

  it('reports an event body that parses to something other than an event', async () => {
    const { audit, t, prefix } = await seed(db())
    if (dialect === 'sqlite') await sql.raw(`DROP TRIGGER ${prefix}audit_no_update`).execute(db())
    else await sql.raw(`ALTER TABLE ${prefix}audit_events DISABLE TRIGGER USER`).execute(db())
    const prev = (
      await sql<Record<string, unknown>>`SELECT hash FROM ${t('events')} WHERE seq = 4`.execute(db())
    ).rows[0]
    const leaf = leafHash('null')
    await sql`UPDATE ${t('events')} SET body = 'null', leaf_hash = ${leaf}, hash = ${chainHash(String(prev?.hash), leaf)} WHERE seq = 5`.execute(
      db(),
    )
    const result = await audit.verify()
    expect(failuresOf(result)[0]).toEqual([5, 'modified'])
    await audit.close()
  })
})
