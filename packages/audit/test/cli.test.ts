import { generateKeyPairSync } from 'node:crypto'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { PassThrough } from 'node:stream'
import { forEachDialect } from '@opskit/test-support'
import { sql } from 'kysely'
import { expect, it } from 'vitest'
import { runCli } from '../src/cli/run-cli.js'
import { type AuditCheckpoint, createAuditLog } from '../src/index.js'

function capture() {
  const stdout = new PassThrough()
  const stderr = new PassThrough()
  let out = ''
  let err = ''
  stdout.on('data', (chunk) => {
    out += chunk
  })
  stderr.on('data', (chunk) => {
    err += chunk
  })
  return { io: { stdout, stderr }, out: () => out, err: () => err }
}

forEachDialect('opskit-audit CLI', ({ db, dialect, location }) => {
  it('verifies (exit 0), queries and exports, then names the first bad seq (exit 1)', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('ed25519')
    const seen: AuditCheckpoint[] = []
    const audit = await createAuditLog({
      db: db(),
      tablePrefix: 'cli_',
      signingKey: privateKey,
      auditReads: false,
      onCheckpoint: (c) => {
        seen.push(c)
      },
    })
    for (let i = 0; i < 6; i++)
      await audit.logLogin({ actor: { id: `u_${i}` }, outcome: i === 2 ? 'failure' : 'success' })
    await audit.close()
    const dir = (await import('node:os')).tmpdir()
    const checkpointFile = join(dir, `cli-checkpoint-${process.pid}-${dialect}.txt`)
    const keyFile = join(dir, `cli-key-${process.pid}-${dialect}.pem`)
    writeFileSync(checkpointFile, seen[0]?.text as string)
    writeFileSync(keyFile, publicKey.export({ type: 'spki', format: 'pem' }))
    const target = dialect === 'sqlite' ? ['--sqlite', location()] : ['--pg', location()]
    const base = [...target, '--prefix', 'cli_']

    const ok = capture()
    expect(
      await runCli(['verify', ...base, '--checkpoint', checkpointFile, '--public-key', keyFile], ok.io),
    ).toBe(0)
    expect(ok.out()).toContain('ok: 6 events checked in 1 chain(s), head seq 6')

    const query = capture()
    expect(await runCli(['query', ...base, '--outcome', 'failure', '--viewer', 'auditor-7'], query.io)).toBe(
      0,
    )
    expect(
      query
        .out()
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line).actor.id),
    ).toEqual(['u_2'])

    const exported = capture()
    expect(await runCli(['export', ...base, '--format', 'csv', '--actor', 'u_1'], exported.io)).toBe(0)
    expect(exported.out().split('\r\n')[1]).toContain(',"user.login",')

    if (dialect === 'sqlite') await sql.raw('DROP TRIGGER cli_audit_no_update').execute(db())
    else await sql.raw('ALTER TABLE cli_audit_events DISABLE TRIGGER USER').execute(db())
    await sql`UPDATE cli_audit_events SET body = replace(body, '"u_3"', '"u_9"') WHERE seq = 4`.execute(db())
    const bad = capture()
    expect(await runCli(['verify', ...base], bad.io)).toBe(1)
    expect(bad.out()).toContain('first bad seq: 4')

    const usage = capture()
    expect(await runCli(['verify'], usage.io)).toBe(2)
    expect(usage.err()).toContain('usage: opskit-audit')
  })
})
