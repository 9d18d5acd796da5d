import { readFileSync } from 'node:fs'
import { userInfo } from 'node:os'
import { pipeline } from 'node:stream/promises'
import { parseArgs } from 'node:util'
import type { HostDatabase } from '@opskit/core'
import { Kysely, PostgresDialect } from 'kysely'
import type { AuditCategory, AuditOutcome, AuditSeverity } from '../event/event-schema.js'
import type { AuditQuery, ExportFormat } from '../log/audit-log.js'
import { createAuditLog } from '../log/create-audit-log.js'

/** Where the CLI writes. */
export interface CliIo {
  stdout: NodeJS.WritableStream
  stderr: NodeJS.WritableStream
}

const USAGE = `usage: opskit-audit <verify|query|export> (--sqlite FILE | --pg URL) [options]

  --prefix P            table prefix (default opskit_)
  --tenant ID           only this tenant's chain / events
  verify:  --checkpoint FILE (repeatable)  outside checkpoints and retention statements
           --public-key FILE               Ed25519 public key (PEM) that signed the checkpoints
           --from SEQ --to SEQ
  query:   --actor ID --action A --category C --outcome O --severity S --target-type T --target-id ID
           --from ISO --to ISO --limit N (default 100)
  export:  the query filters, and --format csv|ndjson|json|ocsf (default ndjson)
  --viewer ID           who is reading (recorded in the audit trail; default the OS user)

exit codes: 0 intact / done, 1 verification failed (names the first bad seq), 2 usage or runtime error`

async function openDatabase(values: { sqlite?: string; pg?: string }): Promise<HostDatabase> {
  if (values.sqlite) {
    const { openSqlite } = await import('@opskit/core/sqlite')
    return openSqlite(values.sqlite)
  }
  const pg = await import('pg')
  const Pool = (pg.default ?? pg).Pool
  return new Kysely({
    dialect: new PostgresDialect({ pool: new Pool({ connectionString: values.pg, max: 2 }) }),
  })
}

/**
 * Runs `opskit-audit` with `argv` (without node and script). Resolves to the exit code:
 * 0 when the trail is intact (or the query/export finished), 1 when `verify` found a problem
 * (the first bad seq is printed), 2 on usage or runtime errors. `--help` prints the usage and resolves to 0.
 */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    io.stdout.write(`${USAGE}\n`)
    return 0
  }
  let parsed: ReturnType<typeof parse>
  try {
    parsed = parse(argv)
  } catch (error) {
    io.stderr.write(`${(error as Error).message}\n\n${USAGE}\n`)
    return 2
  }
  const { command, values } = parsed
  if (
    !command ||
    !['verify', 'query', 'export'].includes(command) ||
    !(values.sqlite || values.pg) ||
    (values.sqlite && values.pg)
  ) {
    io.stderr.write(`${USAGE}\n`)
    return 2
  }
  const db = await openDatabase(values)
  try {
    // A one-shot command logs a single audit.* event: not worth starting a writer thread for.
    const audit = await createAuditLog({
      db,
      writerThread: false,
      tablePrefix: values.prefix,
    })
    try {
      if (command === 'verify') {
        const result = await audit.verify({
          tenantId: values.tenant,
          ...(values.from ? { from: Number(values.from) } : {}),
          ...(values.to ? { to: Number(values.to) } : {}),
          ...(values.checkpoint?.length
            ? { checkpoint: values.checkpoint.map((file) => readFileSync(file, 'utf8')) }
            : {}),
          ...(values['public-key'] ? { publicKey: readFileSync(values['public-key'], 'utf8') } : {}),
        })
        for (const caveat of result.caveats)
          io.stdout.write(
            `CAVEAT chain "${caveat.chainId}" seq ${caveat.seq} [${caveat.kind}] ${caveat.reason}\n`,
          )
        if (result.ok) {
          io.stdout.write(
            `ok: ${result.checked} events checked in ${result.chains.length} chain(s), head seq ${result.headSeq}\n`,
          )
          return 0
        }
        for (const failure of result.failures)
          io.stdout.write(
            `FAIL chain "${failure.chainId}" seq ${failure.seq} [${failure.kind}] ${failure.reason}\n`,
          )
        const first = result.failures[0]
        io.stdout.write(`first bad seq: ${first?.seq} (chain "${first?.chainId}")\n`)
        return 1
      }
      const viewer = { id: values.viewer ?? safeUserName(), type: 'user' as const }
      const filter: AuditQuery = {
        tenantId: values.tenant,
        actorId: values.actor,
        action: values.action,
        category: values.category as AuditCategory | undefined,
        outcome: values.outcome as AuditOutcome | undefined,
        severity: values.severity as AuditSeverity | undefined,
        targetType: values['target-type'],
        targetId: values['target-id'],
        from: values.from,
        to: values.to,
        viewer,
      }
      if (command === 'query') {
        const page = await audit.query({ ...filter, limit: Number(values.limit ?? 100) })
        for (const event of page.events) io.stdout.write(`${JSON.stringify(event)}\n`)
        if (page.nextCursor)
          io.stderr.write(`more: --cursor is not supported by the CLI; narrow the filter or use export\n`)
        return 0
      }
      await pipeline(
        audit.export(filter, { format: (values.format ?? 'ndjson') as ExportFormat }),
        io.stdout,
        { end: false },
      )
      return 0
    } finally {
      await audit.close()
    }
  } catch (error) {
    io.stderr.write(`opskit-audit: ${(error as Error).message}\n`)
    return 2
  } finally {
    await db.destroy()
  }
}

function safeUserName(): string {
  try {
    return `os:${userInfo().username}`
  } catch {
    return 'os:unknown'
  }
}

function parse(argv: readonly string[]) {
  const { positionals, values } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    options: {
      sqlite: { type: 'string' },
      pg: { type: 'string' },
      prefix: { type: 'string' },
      tenant: { type: 'string' },
      checkpoint: { type: 'string', multiple: true },
      'public-key': { type: 'string' },
      from: { type: 'string' },
      to: { type: 'string' },
      actor: { type: 'string' },
      action: { type: 'string' },
      category: { type: 'string' },
      outcome: { type: 'string' },
      severity: { type: 'string' },
      'target-type': { type: 'string' },
      'target-id': { type: 'string' },
      limit: { type: 'string' },
      format: { type: 'string' },
      viewer: { type: 'string' },
    },
  })
  return { command: positionals[0], values }
}
