import { dialectOf } from '@opskit/core/internal'
import { type Kysely, sql } from 'kysely'
import { RETENTION_HEADER } from '../../checkpoint/retention-statement.js'

/**
 * Migration `0004`: an anchor row may only be inserted when its text starts like a retention
 * statement and its seq and hash are those of an event of its own chain. The delete guard lets rows
 * go below any anchor row, so this is what binds those deletes to an anchor of the chain's own
 * history: a row copied from the checkpoints table, another tenant's checkpoint or statement, or an
 * anchor at a seq whose hash it does not carry are refused. SQL cannot check an Ed25519 signature,
 * so a well-formed but unsigned (or badly signed) statement still gets in; `verify` catches that one.
 */
export async function createAnchorGuard(
  db: Kysely<unknown>,
  prefix: string,
  t: { events: string; anchors: string },
): Promise<void> {
  const header = `${RETENTION_HEADER}\n`
  const message = `opskit audit trail ${t.anchors}: an anchor must be a retention statement at an event of its chain`
  const bound = (row: string) =>
    `substr(${row}.text, 1, ${header.length}) = '${header.replace(/\n/g, "' || char(10) || '")}' AND EXISTS (SELECT 1 FROM ${t.events} e WHERE e.chain_id = ${row}.chain_id AND e.seq = ${row}.seq AND e.hash = ${row}.hash)`
  if (dialectOf(db) === 'sqlite') {
    await sql
      .raw(
        `CREATE TRIGGER IF NOT EXISTS ${prefix}audit_anchors_bound BEFORE INSERT ON ${t.anchors} WHEN NOT (${bound('NEW')}) BEGIN SELECT RAISE(ABORT, '${message}'); END`,
      )
      .execute(db)
    return
  }
  await sql
    .raw(
      `CREATE OR REPLACE FUNCTION ${prefix}audit_guard_anchor() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF ${bound('NEW').replace(/char\(10\)/g, 'chr(10)')} THEN RETURN NEW; END IF;
  RAISE EXCEPTION '${message}' USING ERRCODE = 'insufficient_privilege';
END $$`,
    )
    .execute(db)
  await sql
    .raw(
      `CREATE TRIGGER ${prefix}audit_anchors_bound BEFORE INSERT ON ${t.anchors} FOR EACH ROW EXECUTE FUNCTION ${prefix}audit_guard_anchor()`,
    )
    .execute(db)
}
