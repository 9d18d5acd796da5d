import { generateKeyPairSync } from 'node:crypto'
import type { HostDatabase } from '@opskit/core'
import { forEachDialect } from '@opskit/test-support'
import { sql } from 'kysely'
import { describe, expect, it } from 'vitest'
import { type AuditCheckpoint, type AuditLog, chainHash, createAuditLog, leafHash } from '../src/index.js'

let counter = 0

async function seed(db: HostDatabase, count = 20) {
  const prefix = `tp${++counter}_`
  const { privateKey, publicKey } = generateKeyPairSync('ed25519')
  const checkpoints: AuditCheckpoint[] = []
  const audit = await createAuditLog({
    db,
    tablePrefix: prefix,
    signingKey: privateKey,
    checkpointEvery: 1_000_000,
    auditReads: false,
    onCheckpoint: (c) => {
      checkpoints.push(c)
    },
  })
  for (let i = 1; i <= count; i++)
    await audit.logDataAccess({ actor: { id: `u_${i % 3}` }, target: { type: 'doc', id: `d${i}` } })
  const [outside] = await audit.checkpoint()
  return {
    audit,
    prefix,
    table: `${prefix}audit_events`,
    publicKey,
    outside: outside as AuditCheckpoint,
    checkpoints,
  }
}

async function dropGuards(db: HostDatabase, dialect: string, prefix: string) {
  if (dialect === 'sqlite') {
    await sql.raw(`DROP TRIGGER ${prefix}audit_no_update`).execute(db)
    await sql.raw(`DROP TRIGGER ${prefix}audit_no_delete`).execute(db)
  } else {
    await sql.raw(`ALTER TABLE ${prefix}audit_events DISABLE TRIGGER USER`).execute(db)
  }
}

async function row(db: HostDatabase, table: string, seq: number) {
  const result = await sql<
    Record<string, unknown>
  >`SELECT * FROM ${sql.table(table)} WHERE seq = ${seq}`.execute(db)
  return result.rows[0] as Record<string, unknown>
}

function firstFailure(result: Awaited<ReturnType<AuditLog['verify']>>) {
  return result.failures[0] ? { seq: result.failures[0].seq, kind: result.failures[0].kind } : undefined
}

forEachDialect('audit tamper evidence', ({ db, dialect }) => {
  describe('guards', () => {
    it('refuses UPDATE, DELETE and TRUNCATE of events', async () => {
      const { table, audit } = await seed(db(), 3)
      await expect(
        sql`UPDATE ${sql.table(table)} SET action = 'x.y' WHERE seq = 1`.execute(db()),
      ).rejects.toThrow(/append-only/)
      await expect(sql`DELETE FROM ${sql.table(table)} WHERE seq = 1`.execute(db())).rejects.toThrow(
        /append-only/,
      )
      await expect(sql`DELETE FROM ${sql.table(table)}`.execute(db())).rejects.toThrow(/append-only/)
      if (dialect === 'postgres')
        await expect(sql`TRUNCATE ${sql.table(table)}`.execute(db())).rejects.toThrow(/append-only/)
      expect((await audit.verify()).ok).toBe(true)
      await audit.close()
    })
  })

  describe('attacks with the triggers dropped', () => {
    it('detects an edited row at its seq', async () => {
      const { audit, prefix, table } = await seed(db())
      await dropGuards(db(), dialect, prefix)
      await sql`UPDATE ${sql.table(table)} SET body = replace(body, '"d10"', '"d99"') WHERE seq = 10`.execute(
        db(),
      )
      const result = await audit.verify()
      expect(result.ok).toBe(false)
      expect(firstFailure(result)).toEqual({ seq: 10, kind: 'modified' })
      expect(result.failures).toHaveLength(1)
      await audit.close()
    })

    it('detects an edited indexed column at its seq', async () => {
      const { audit, prefix, table } = await seed(db())
      await dropGuards(db(), dialect, prefix)
      await sql`UPDATE ${sql.table(table)} SET actor_id = 'mallory' WHERE seq = 12`.execute(db())
      expect(firstFailure(await audit.verify())).toEqual({ seq: 12, kind: 'modified' })
      await audit.close()
    })

    it('detects an edit with re-hashing at its seq', async () => {
      const { audit, prefix, table } = await seed(db())
      await dropGuards(db(), dialect, prefix)
      const target = await row(db(), table, 10)
      const body = String(target.body).replace('"d10"', '"d99"')
      const leaf = leafHash(body)
      const hash = chainHash(String(target.prev_hash), leaf)
      await sql`UPDATE ${sql.table(table)} SET body = ${body}, leaf_hash = ${leaf}, hash = ${hash}, target_id = 'd99' WHERE seq = 10`.execute(
        db(),
      )
      const result = await audit.verify()
      expect(firstFailure(result)).toEqual({ seq: 10, kind: 'rewritten' })
      await audit.close()
    })

    it('detects a deleted row at its seq', async () => {
      const { audit, prefix, table } = await seed(db())
      await dropGuards(db(), dialect, prefix)
      await sql`DELETE FROM ${sql.table(table)} WHERE seq = 10`.execute(db())
      const result = await audit.verify()
      expect(firstFailure(result)).toEqual({ seq: 10, kind: 'missing' })
      expect(result.failures).toHaveLength(1)
      await audit.close()
    })

    it('detects an inserted forged row at its seq', async () => {
      const { audit, prefix, table } = await seed(db())
      await dropGuards(db(), dialect, prefix)
      const previous = await row(db(), table, 9)
      const model = await row(db(), table, 10)
      await sql`UPDATE ${sql.table(table)} SET seq = -seq WHERE seq >= 10`.execute(db())
      await sql`UPDATE ${sql.table(table)} SET seq = 1 - seq WHERE seq < 0`.execute(db())
      const forged = JSON.parse(String(model.body)) as Record<string, unknown>
      forged.id = '00000000-0000-7000-8000-000000000000'
      forged.action = 'data.read'
      forged.target = { type: 'doc', id: 'secret' }
      const body = JSON.stringify(
        Object.fromEntries(Object.entries(forged).sort(([a], [b]) => (a < b ? -1 : 1))),
      )
      const leaf = leafHash(body)
      await sql`INSERT INTO ${sql.table(table)} (chain_id, seq, id, tenant_id, occurred_at, recorded_at, actor_id, action, category, outcome, severity, target_type, target_id, body, leaf_hash, prev_hash, hash)
        VALUES ('', 10, ${forged.id as string}, NULL, ${model.occurred_at as number}, ${model.recorded_at as number}, ${model.actor_id as string}, 'data.read', 'data_access', 'success', 'info', 'doc', 'secret', ${body}, ${leaf}, ${String(previous.hash)}, ${chainHash(String(previous.hash), leaf)})`.execute(
        db(),
      )
      const result = await audit.verify()
      expect(firstFailure(result)).toEqual({ seq: 10, kind: 'inserted' })
      await audit.close()
    })

    it('detects two swapped rows at their seqs', async () => {
      const { audit, prefix, table } = await seed(db())
      await dropGuards(db(), dialect, prefix)
      await sql`UPDATE ${sql.table(table)} SET seq = -1 WHERE seq = 10`.execute(db())
      await sql`UPDATE ${sql.table(table)} SET seq = 10 WHERE seq = 11`.execute(db())
      await sql`UPDATE ${sql.table(table)} SET seq = 11 WHERE seq = -1`.execute(db())
      const result = await audit.verify()
      expect(result.failures.map((f) => [f.seq, f.kind])).toEqual([
        [10, 'reordered'],
        [11, 'reordered'],
      ])
      await audit.close()
    })

    it('detects a truncated tail only against an outside checkpoint', async () => {
      const { audit, prefix, table, outside, publicKey } = await seed(db())
      await dropGuards(db(), dialect, prefix)
      const last = await row(db(), table, 15)
      await sql`DELETE FROM ${sql.table(table)} WHERE seq > 15`.execute(db())
      // A careful attacker also rewinds the chain head and removes the newer stored checkpoint.
      await sql`UPDATE ${sql.table(`${prefix}audit_chains`)} SET last_seq = 15, last_hash = ${String(last.hash)}`.execute(
        db(),
      )
      if (dialect === 'sqlite')
        await sql.raw(`DROP TRIGGER ${prefix}audit_audit_checkpoints_no_delete`).execute(db())
      else await sql.raw(`ALTER TABLE ${prefix}audit_checkpoints DISABLE TRIGGER USER`).execute(db())
      await sql`DELETE FROM ${sql.table(`${prefix}audit_checkpoints`)}`.execute(db())
      // Without outside state this is undetectable: the database is self-consistent.
      expect((await audit.verify()).ok).toBe(true)
      const result = await audit.verify({ checkpoint: outside.text, publicKey })
      expect(firstFailure(result)).toEqual({ seq: 16, kind: 'truncated' })
      await audit.close()
    })

    it('detects a forged (unsigned) retention anchor used to delete the oldest events', async () => {
      const { audit, prefix, table, publicKey } = await seed(db())
      const fifth = await row(db(), table, 5)
      const insert = sql`INSERT INTO ${sql.table(`${prefix}audit_anchors`)} (chain_id, seq, hash, text, created_at)
        VALUES ('', 5, ${String(fifth.hash)}, ${'opskit-audit\n5\nAAAA\n'}, 0)`
      // The anchors table refuses what is not a retention statement; with that guard dropped, the
      // anchor is enough for the delete guard to allow the deletion.
      await expect(insert.execute(db())).rejects.toThrow(/retention statement/)
      await sql
        .raw(
          dialect === 'sqlite'
            ? `DROP TRIGGER ${prefix}audit_anchors_bound`
            : `DROP TRIGGER ${prefix}audit_anchors_bound ON ${prefix}audit_anchors`,
        )
        .execute(db())
      await insert.execute(db())
      await sql`DELETE FROM ${sql.table(table)} WHERE seq <= 5`.execute(db())
      const result = await audit.verify({ publicKey })
      expect(firstFailure(result)).toEqual({ seq: 5, kind: 'forged-anchor' })
      await audit.close()
    })

    it('detects a truncated tail against the chain head when the attacker forgets it', async () => {
      const { audit, prefix, table } = await seed(db())
      await dropGuards(db(), dialect, prefix)
      await sql`DELETE FROM ${sql.table(table)} WHERE seq > 17`.execute(db())
      expect(firstFailure(await audit.verify())).toEqual({ seq: 18, kind: 'truncated' })
      await audit.close()
    })
  })
})
