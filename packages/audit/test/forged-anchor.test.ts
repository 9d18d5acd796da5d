import { generateKeyPairSync } from 'node:crypto'
import type { HostDatabase } from '@opskit/core'
import { forEachDialect } from '@opskit/test-support'
import { sql } from 'kysely'
import { expect, it } from 'vitest'
import {
  type AuditCheckpoint,
  chainHash,
  createAuditLog,
  createRetentionStatement,
  leafHash,
  RETENTION_HEADER,
  type VerifyResult,
} from '../src/index.js'

// The attacker of these tests has plain SQL access. The anchors table's insert guard refuses the
// naive attacks outright (first test); a writer who may drop that one trigger gets the anchor in,
// and the delete guard then lets rows go below it: verify must catch every such anchor.

let counter = 0

function manualClock(start: number) {
  let now = start
  return {
    clock: {
      now: () => now,
      sleep: async () => {},
      setTimeout: (fn: () => void) => setTimeout(fn, 0),
      clearTimeout: (handle: unknown) => clearTimeout(handle as NodeJS.Timeout),
    },
    set: (value: number) => {
      now = value
    },
  }
}

/** Two tenants, 30 events each, a signed checkpoint every 10, every outside record kept. */
async function seed(db: HostDatabase) {
  const prefix = `fa${++counter}_`
  const { privateKey, publicKey } = generateKeyPairSync('ed25519')
  const time = manualClock(Date.UTC(2025, 0, 1))
  const outside: AuditCheckpoint[] = []
  const audit = await createAuditLog({
    db,
    tablePrefix: prefix,
    signingKey: privateKey,
    checkpointEvery: 10,
    auditReads: false,
    clock: time.clock,
    onCheckpoint: (record) => {
      outside.push(record)
    },
  })
  for (let i = 1; i <= 30; i++) {
    if (i === 11) time.set(Date.UTC(2026, 0, 1))
    await audit.logDataAccess({
      actor: { id: 'u_1' },
      tenantId: 'acme',
      target: { type: 'doc', id: `a${i}` },
    })
    await audit.logDataAccess({
      actor: { id: 'u_2' },
      tenantId: 'globex',
      target: { type: 'doc', id: `g${i}` },
    })
  }
  await audit.flush()
  const t = (name: string) => sql.table(`${prefix}audit_${name}`)
  return { audit, publicKey, outside, time, t, prefix }
}

/** Drops the anchors table's insert guard (the delete guard stays). */
async function dropAnchorGuard(db: HostDatabase, dialect: string, prefix: string) {
  await sql
    .raw(
      dialect === 'sqlite'
        ? `DROP TRIGGER ${prefix}audit_anchors_bound`
        : `DROP TRIGGER ${prefix}audit_anchors_bound ON ${prefix}audit_anchors`,
    )
    .execute(db)
}

async function rowAt(db: HostDatabase, table: ReturnType<typeof sql.table>, chainId: string, seq: number) {
  const result = await sql<
    Record<string, unknown>
  >`SELECT * FROM ${table} WHERE chain_id = ${chainId} AND seq = ${seq}`.execute(db)
  const row = result.rows[0]
  if (!row) throw new Error(`no row ${chainId}/${seq}`)
  return row
}

function failuresOf(result: VerifyResult) {
  return result.failures.map((f) => [f.chainId, f.seq, f.kind])
}

forEachDialect('forged retention anchors', ({ db, dialect }) => {
  it('the anchors table refuses a checkpoint row, a foreign anchor and a moved one; a well-formed unsigned one gets in and fails verify', async () => {
    const { audit, publicKey, outside, t } = await seed(db())
    const foreign = await rowAt(db(), t('checkpoints'), 'globex', 30)
    const own = await rowAt(db(), t('events'), 'acme', 20)
    const attempts = [
      sql`INSERT INTO ${t('anchors')} (chain_id, seq, hash, "text", created_at)
        SELECT chain_id, seq, hash, "text", created_at FROM ${t('checkpoints')} WHERE chain_id = 'acme' AND seq = 20`,
      sql`INSERT INTO ${t('anchors')} (chain_id, seq, hash, "text", created_at)
        VALUES ('acme', 30, ${String(foreign.hash)}, ${`${RETENTION_HEADER}\nopskit-audit/tenant/globex\n30\nAAAA\n`}, 0)`,
      sql`INSERT INTO ${t('anchors')} (chain_id, seq, hash, "text", created_at)
        VALUES ('acme', 25, ${String(own.hash)}, ${`${RETENTION_HEADER}\nopskit-audit/tenant/acme\n20\nAAAA\n`}, 0)`,
    ]
    for (const attempt of attempts)
      await expect(attempt.execute(db())).rejects.toThrow(/retention statement at an event/)
    await expect(
      sql`DELETE FROM ${t('events')} WHERE chain_id = 'acme' AND seq <= 20`.execute(db()),
    ).rejects.toThrow(/append-only/)
    // SQL cannot check a signature: a well-formed statement the attacker made up is let in.
    const made = createRetentionStatement({
      origin: 'opskit-audit/tenant/acme',
      size: 20,
      rootHash: String(own.hash),
    })
    await sql`INSERT INTO ${t('anchors')} (chain_id, seq, hash, "text", created_at)
      VALUES ('acme', 20, ${String(own.hash)}, ${made.text}, 0)`.execute(db())
    await sql`DELETE FROM ${t('events')} WHERE chain_id = 'acme' AND seq <= 20`.execute(db())
    expect(failuresOf(await audit.verify({ publicKey }))).toEqual([['acme', 20, 'bad-signature']])
    expect(failuresOf(await audit.verify({ publicKey, checkpoint: outside }))).toContainEqual([
      'acme',
      20,
      'bad-signature',
    ])
    await audit.close()
  })

  it('an anchor copied from a checkpoint row, then a DELETE below it, fails at the anchor', async () => {
    const { audit, publicKey, outside, t, prefix } = await seed(db())
    await dropAnchorGuard(db(), dialect, prefix)
    await sql`INSERT INTO ${t('anchors')} (chain_id, seq, hash, "text", created_at)
      SELECT chain_id, seq, hash, "text", created_at FROM ${t('checkpoints')} WHERE chain_id = 'acme' AND seq = 20`.execute(
      db(),
    )
    await sql`DELETE FROM ${t('events')} WHERE chain_id = 'acme' AND seq <= 20`.execute(db())
    const withOutside = await audit.verify({ publicKey, checkpoint: outside })
    expect(withOutside.ok).toBe(false)
    // The outside checkpoint at 10 lies below the anchor and no retention statement explains it.
    expect(failuresOf(withOutside)).toEqual([
      ['acme', 10, 'missing'],
      ['acme', 20, 'forged-anchor'],
    ])
    // Even without outside records a checkpoint cannot stand in for a retention statement.
    const alone = await audit.verify({ publicKey })
    expect(failuresOf(alone)).toEqual([['acme', 20, 'forged-anchor']])
    await audit.close()
  })

  it("another tenant's signed checkpoint installed as an anchor fails for that tenant only", async () => {
    const { audit, publicKey, outside, t, prefix } = await seed(db())
    await dropAnchorGuard(db(), dialect, prefix)
    const foreign = await rowAt(db(), t('checkpoints'), 'globex', 30)
    await sql`INSERT INTO ${t('anchors')} (chain_id, seq, hash, "text", created_at)
      VALUES ('acme', 30, ${String(foreign.hash)}, ${String(foreign.text)}, 0)`.execute(db())
    await sql`DELETE FROM ${t('events')} WHERE chain_id = 'acme'`.execute(db())
    await sql`UPDATE ${t('chains')} SET last_hash = ${String(foreign.hash)} WHERE chain_id = 'acme'`.execute(
      db(),
    )
    const result = await audit.verify({ publicKey, checkpoint: outside })
    expect(failuresOf(result)).toEqual([
      ['acme', 10, 'missing'],
      ['acme', 20, 'missing'],
      ['acme', 30, 'forged-anchor'],
    ])
    expect((await audit.verify({ publicKey, tenantId: 'globex', checkpoint: outside })).ok).toBe(true)
    await audit.close()
  })

  it('a forged event chained after a foreign anchor fails at the anchor of the right chain', async () => {
    const { audit, publicKey, outside, t, prefix } = await seed(db())
    await dropAnchorGuard(db(), dialect, prefix)
    const foreign = await rowAt(db(), t('checkpoints'), 'globex', 30)
    const model = await rowAt(db(), t('events'), 'acme', 30)
    await sql`INSERT INTO ${t('anchors')} (chain_id, seq, hash, "text", created_at)
      VALUES ('acme', 30, ${String(foreign.hash)}, ${String(foreign.text)}, 0)`.execute(db())
    await sql`DELETE FROM ${t('events')} WHERE chain_id = 'acme'`.execute(db())
    const forged = JSON.parse(String(model.body)) as Record<string, unknown>
    forged.id = '00000000-0000-7000-8000-000000000031'
    forged.seq = 31
    forged.target = { id: 'forged', type: 'doc' }
    const body = JSON.stringify(
      Object.fromEntries(Object.entries(forged).sort(([a], [b]) => (a < b ? -1 : 1))),
    )
    const leaf = leafHash(body)
    const hash = chainHash(String(foreign.hash), leaf)
    await sql`INSERT INTO ${t('events')} (chain_id, seq, id, tenant_id, occurred_at, recorded_at, actor_id, action, category, outcome, severity, target_type, target_id, body, leaf_hash, prev_hash, hash)
      VALUES ('acme', 31, ${forged.id as string}, 'acme', ${Number(model.occurred_at)}, ${Number(model.recorded_at)}, 'u_1', 'data.read', 'data_access', 'success', 'info', 'doc', 'forged', ${body}, ${leaf}, ${String(foreign.hash)}, ${hash})`.execute(
      db(),
    )
    await sql`UPDATE ${t('chains')} SET last_seq = 31, last_hash = ${hash} WHERE chain_id = 'acme'`.execute(
      db(),
    )
    const result = await audit.verify({ publicKey, checkpoint: outside })
    expect(failuresOf(result)).toEqual([
      ['acme', 10, 'missing'],
      ['acme', 20, 'missing'],
      ['acme', 30, 'forged-anchor'],
    ])
    expect(failuresOf(await audit.verify({ publicKey }))).toEqual([['acme', 30, 'forged-anchor']])
    await audit.close()
  })

  it('a genuine anchor moved to a higher seq fails at the moved position', async () => {
    const { audit, publicKey, outside, time, t, prefix } = await seed(db())
    await dropAnchorGuard(db(), dialect, prefix)
    time.set(Date.UTC(2027, 0, 1))
    await audit.applyRetention(
      { events: { olderThan: new Date(Date.UTC(2025, 6, 1)) } },
      { tenantId: 'acme' },
    )
    const genuine = await rowAt(db(), t('anchors'), 'acme', 10)
    const target = await rowAt(db(), t('events'), 'acme', 25)
    await sql`INSERT INTO ${t('anchors')} (chain_id, seq, hash, "text", created_at)
      VALUES ('acme', 25, ${String(target.hash)}, ${String(genuine.text)}, 0)`.execute(db())
    await sql`DELETE FROM ${t('events')} WHERE chain_id = 'acme' AND seq <= 25`.execute(db())
    const result = await audit.verify({ publicKey, checkpoint: outside })
    expect(failuresOf(result)).toEqual([
      ['acme', 20, 'missing'],
      ['acme', 25, 'forged-anchor'],
    ])
    await audit.close()
  })

  it('a genuine retention verifies against outside records; without them verify says what it cannot rule out', async () => {
    const { audit, publicKey, outside, time } = await seed(db())
    time.set(Date.UTC(2027, 0, 1))
    const retained = await audit.applyRetention({ events: { olderThan: new Date(Date.UTC(2025, 6, 1)) } })
    expect(retained.chains.map((c) => [c.chainId, c.anchorSeq])).toEqual([
      ['acme', 10],
      ['globex', 10],
    ])
    const statements = outside.filter((record) => record.kind === 'retention')
    expect(statements.map((s) => [s.chainId, s.size])).toEqual([
      ['acme', 10],
      ['globex', 10],
    ])
    expect(await audit.verify({ publicKey, checkpoint: outside })).toMatchObject({
      ok: true,
      failures: [],
      caveats: [],
    })
    const alone = await audit.verify({ publicKey })
    expect(alone.ok).toBe(true)
    expect(alone.caveats.map((c) => [c.chainId, c.seq, c.kind])).toEqual([
      ['acme', 10, 'anchor-unconfirmed'],
      ['globex', 10, 'anchor-unconfirmed'],
    ])
    // Outside checkpoints without the retention statements: the anchors are not confirmed, and the
    // checkpoint at 10 is explained by nothing.
    const checkpointsOnly = outside.filter((record) => record.kind === 'checkpoint')
    const partial = await audit.verify({ publicKey, checkpoint: checkpointsOnly })
    expect(failuresOf(partial)).toEqual([
      ['acme', 10, 'forged-anchor'],
      ['globex', 10, 'forged-anchor'],
    ])
    await audit.close()
  })
})
