// `npm start -w @opskit-examples/audit-postgres`: uses DATABASE_URL, or starts a throwaway
// PostgreSQL cluster (initdb + pg_ctl, from the Debian `postgresql` package) when it is unset.
import { startPostgres } from '@opskit/test-support'
import { auditOnPostgres } from './audit-on-postgres.js'

const cluster = process.env.DATABASE_URL ? undefined : await startPostgres()
try {
  const url = process.env.DATABASE_URL ?? (await cluster!.createDatabase('audit_example'))
  const run = await auditOnPostgres(url)
  console.log(`wrote ${run.written} audit events from concurrent requests (group commit)`)
  console.log(
    `verify: ${run.verify.ok ? 'ok' : 'FAILED'} over ${run.verify.checked} events, ${run.checkpoints.length} signed checkpoint(s)`,
  )
  console.log(`UPDATE of the audit table refused by PostgreSQL: ${run.tamperRefused || 'NOT refused'}`)
  process.exitCode = run.verify.ok && run.tamperRefused ? 0 : 1
} finally {
  await cluster?.stop()
}
