import { generateKeyPairSync } from 'node:crypto'
import { type AuditCheckpoint, createAuditLog, type VerifyResult } from '@opskit/audit'
import { Kysely, PostgresDialect, sql } from 'kysely'
import pg from 'pg'

/** What {@link auditOnPostgres} did. */
export interface AuditRun {
  written: number
  verify: VerifyResult
  checkpoints: AuditCheckpoint[]
  /** The error PostgreSQL raised when the example tried to edit a row. */
  tamperRefused: string
}

/**
 * Opens the host's PostgreSQL database with Kysely, writes `events` audit events from
 * concurrent "requests" (group-committed), signs a checkpoint, verifies the chain, and shows that
 * an UPDATE of the audit table is refused by the database itself.
 */
export async function auditOnPostgres(url: string, events = 200): Promise<AuditRun> {
  const db = new Kysely({
    dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: url, max: 5 }) }),
  })
  const { privateKey, publicKey } = generateKeyPairSync('ed25519')
  const checkpoints: AuditCheckpoint[] = []
  const log = await createAuditLog({
    db,
    signingKey: privateKey,
    checkpointEvery: 100,
    onCheckpoint: (c) => {
      checkpoints.push(c)
    },
  })
  try {
    await Promise.all(
      Array.from({ length: events }, (_, i) =>
        i % 10 === 0
          ? log.logPermissionChange({
              actor: { id: 'admin-1', type: 'user', email: 'admin@example.com' },
              target: { type: 'user', id: `user-${i}` },
              before: { role: 'viewer' },
              after: { role: 'editor' },
            })
          : log.logLogin({
              actor: { id: `user-${i % 7}`, type: 'user', ip: '203.0.113.7' },
              outcome: i % 3 === 0 ? 'failure' : 'success',
            }),
      ),
    )
    checkpoints.push(...(await log.checkpoint()))
    const verify = await log.verify({ publicKey, checkpoint: checkpoints })
    let tamperRefused = ''
    try {
      await sql`update opskit_audit_events set seq = seq`.execute(db)
    } catch (error) {
      tamperRefused = error instanceof Error ? error.message : String(error)
    }
    return { written: events, verify, checkpoints, tamperRefused }
  } finally {
    await log.close()
    await db.destroy()
  }
}
