import type { MigrationSet } from '@opskit/core'
import { assertTablePrefix, dialectOf } from '@opskit/core/internal'
import { type Kysely, sql } from 'kysely'
import { AuditError } from '../../errors/audit-error.js'
import { createAnchorGuard } from './anchor-guard.js'

/**
 * Table names of the audit store for a prefix; throws `AUDIT_INVALID_OPTIONS` for a prefix that
 * is not a safe SQL identifier (`/^[a-z][a-z0-9_]{0,30}$/`), since the names go into SQL text.
 */
export function auditTables(prefix: string) {
  try {
    assertTablePrefix(prefix)
  } catch (error) {
    throw new AuditError('AUDIT_INVALID_OPTIONS', (error as Error).message, { cause: error })
  }
  return {
    events: `${prefix}audit_events`,
    chains: `${prefix}audit_chains`,
    checkpoints: `${prefix}audit_checkpoints`,
    anchors: `${prefix}audit_anchors`,
    keys: `${prefix}audit_subject_keys`,
  }
}

// SQLite runs migrations outside a transaction (Kysely: no transactional DDL there), so when several
// processes open one new file at once, one may run a migration another is half-way through: every
// statement is idempotent (IF NOT EXISTS) so that this is harmless.
async function createTables(db: Kysely<unknown>, prefix: string): Promise<void> {
  const t = auditTables(prefix)
  await db.schema
    .createTable(t.events)
    .ifNotExists()
    .addColumn('chain_id', 'varchar(128)', (c) => c.notNull())
    .addColumn('seq', 'bigint', (c) => c.notNull())
    .addColumn('id', 'varchar(36)', (c) => c.notNull().unique())
    .addColumn('tenant_id', 'varchar(128)')
    .addColumn('occurred_at', 'bigint', (c) => c.notNull())
    .addColumn('recorded_at', 'bigint', (c) => c.notNull())
    .addColumn('actor_id', 'varchar(256)', (c) => c.notNull())
    .addColumn('action', 'varchar(128)', (c) => c.notNull())
    .addColumn('category', 'varchar(32)', (c) => c.notNull())
    .addColumn('outcome', 'varchar(16)', (c) => c.notNull())
    .addColumn('severity', 'varchar(16)', (c) => c.notNull())
    .addColumn('target_type', 'varchar(128)')
    .addColumn('target_id', 'varchar(256)')
    .addColumn('body', 'text', (c) => c.notNull())
    .addColumn('leaf_hash', 'char(64)', (c) => c.notNull())
    .addColumn('prev_hash', 'char(64)', (c) => c.notNull())
    .addColumn('hash', 'char(64)', (c) => c.notNull())
    .addPrimaryKeyConstraint(`${t.events}_pk`, ['chain_id', 'seq'])
    .execute()
  const index = (name: string, columns: string[]) =>
    db.schema.createIndex(`${t.events}_${name}`).ifNotExists().on(t.events).columns(columns).execute()
  await index('tenant_time', ['tenant_id', 'occurred_at'])
  await index('actor', ['tenant_id', 'actor_id', 'occurred_at'])
  await index('target', ['tenant_id', 'target_type', 'target_id', 'occurred_at'])
  await index('action', ['tenant_id', 'action', 'occurred_at'])

  await db.schema
    .createTable(t.chains)
    .ifNotExists()
    .addColumn('chain_id', 'varchar(128)', (c) => c.primaryKey())
    .addColumn('last_seq', 'bigint', (c) => c.notNull())
    .addColumn('last_hash', 'char(64)', (c) => c.notNull())
    .execute()
  for (const table of [t.checkpoints, t.anchors]) {
    await db.schema
      .createTable(table)
      .ifNotExists()
      .addColumn('chain_id', 'varchar(128)', (c) => c.notNull())
      .addColumn('seq', 'bigint', (c) => c.notNull())
      .addColumn('hash', 'char(64)', (c) => c.notNull())
      .addColumn('text', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint(`${table}_pk`, ['chain_id', 'seq'])
      .execute()
  }
  await db.schema
    .createTable(t.keys)
    .ifNotExists()
    .addColumn('subject_id', 'varchar(256)', (c) => c.primaryKey())
    .addColumn('key_id', 'varchar(36)', (c) => c.notNull().unique())
    .addColumn('key', 'varchar(64)', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute()
}

async function createGuards(db: Kysely<unknown>, prefix: string): Promise<void> {
  const t = auditTables(prefix)
  const message = `opskit audit trail ${t.events} is append-only`
  if (dialectOf(db) === 'sqlite') {
    const guard = (name: string, timing: string, when: string, tbl = t.events) =>
      sql
        .raw(
          `CREATE TRIGGER IF NOT EXISTS ${prefix}audit_${name} ${timing} ON ${tbl} ${when} BEGIN SELECT RAISE(ABORT, '${message}: ${name.replace(/_/g, ' ')} refused'); END`,
        )
        .execute(db)
    await guard('no_update', 'BEFORE UPDATE', '')
    // Retention is the sanctioned delete: only rows at or below a recorded anchor may go.
    await guard(
      'no_delete',
      'BEFORE DELETE',
      `WHEN NOT EXISTS (SELECT 1 FROM ${t.anchors} a WHERE a.chain_id = OLD.chain_id AND a.seq >= OLD.seq)`,
    )
    for (const table of [t.checkpoints, t.anchors]) {
      const short = table.slice(prefix.length)
      await guard(`${short}_no_update`, 'BEFORE UPDATE', '', table)
      await guard(`${short}_no_delete`, 'BEFORE DELETE', '', table)
    }
    return
  }
  await sql
    .raw(
      `CREATE FUNCTION ${prefix}audit_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION '${message}: % on % refused', TG_OP, TG_TABLE_NAME USING ERRCODE = 'insufficient_privilege'; END $$`,
    )
    .execute(db)
  await sql
    .raw(
      `CREATE FUNCTION ${prefix}audit_guard_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM ${t.anchors} a WHERE a.chain_id = OLD.chain_id AND a.seq >= OLD.seq) THEN RETURN OLD; END IF;
  RAISE EXCEPTION '${message}: DELETE refused' USING ERRCODE = 'insufficient_privilege';
END $$`,
    )
    .execute(db)
  const trigger = (name: string, timing: string, table: string, level: string, fn: string) =>
    sql
      .raw(
        `CREATE TRIGGER ${prefix}audit_${name} ${timing} ON ${table} FOR EACH ${level} EXECUTE FUNCTION ${fn}()`,
      )
      .execute(db)
  await trigger('no_update', 'BEFORE UPDATE', t.events, 'ROW', `${prefix}audit_refuse`)
  await trigger('no_delete', 'BEFORE DELETE', t.events, 'ROW', `${prefix}audit_guard_delete`)
  for (const table of [t.events, t.checkpoints, t.anchors, t.chains]) {
    await trigger(
      `${table.slice(prefix.length)}_no_truncate`,
      'BEFORE TRUNCATE',
      table,
      'STATEMENT',
      `${prefix}audit_refuse`,
    )
  }
  for (const table of [t.checkpoints, t.anchors]) {
    const short = table.slice(prefix.length)
    await trigger(`${short}_no_update`, 'BEFORE UPDATE', table, 'ROW', `${prefix}audit_refuse`)
    await trigger(`${short}_no_delete`, 'BEFORE DELETE', table, 'ROW', `${prefix}audit_refuse`)
  }
}

/** The audit store's migrations, for core's `migrate` (namespace `audit`). */
export const auditMigrations: MigrationSet = (prefix) => ({
  '0001_audit_tables': { up: (db) => createTables(db, prefix) },
  '0002_audit_guards': { up: (db) => createGuards(db, prefix) },
  // A wrapped subject key (`w1:` + base64 of 60 bytes) is longer than the plain base64 of 32 bytes.
  '0003_audit_wrapped_keys': {
    up: async (db) => {
      if (dialectOf(db) === 'postgres')
        await sql
          .raw(`ALTER TABLE ${auditTables(prefix).keys} ALTER COLUMN "key" TYPE varchar(128)`)
          .execute(db)
    },
  },
  '0004_audit_anchor_guard': { up: (db) => createAnchorGuard(db, prefix, auditTables(prefix)) },
})
