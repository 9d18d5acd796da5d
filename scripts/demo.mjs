#!/usr/bin/env node
// `npm run demo`: until examples/ticketing-service lands (issue 8), this runs what exists end to
// end — @opskit/core on an embedded SQLite file, a signed webhook over loopback HTTP, retries —
// and says so. It exits 0 only when every step did what it said.
import { mkdirSync, rmSync } from 'node:fs'
import { createServer } from 'node:http'
import { join } from 'node:path'
import {
  generateWebhookSecret,
  isOpskitError,
  migrate,
  retry,
  uuidv7,
  verifyWebhook,
  webhookHeaders,
} from '@opskit/core'
import { openSqlite } from '@opskit/core/sqlite'

const outDir = join(process.cwd(), 'demo-output')
const steps = []
const step = async (name, fn) => {
  const started = Date.now()
  process.stdout.write(`[${steps.length + 1}] ${name} … `)
  try {
    const detail = await fn()
    steps.push({ name, ok: true })
    console.log(`ok (${Date.now() - started} ms)${detail ? ` — ${detail}` : ''}`)
  } catch (error) {
    steps.push({ name, ok: false })
    console.log(`FAILED — ${error instanceof Error ? error.message : String(error)}`)
  }
}

console.log(
  'opskit demo — packages available now: @opskit/core (audit, notify, monitor, reports, ml and the ticketing example are in progress)\n',
)
rmSync(outDir, { recursive: true, force: true })
mkdirSync(outDir, { recursive: true })
const db = openSqlite(join(outDir, 'demo.db'))

await step('open an embedded SQLite file and migrate (twice: the second run is a no-op)', async () => {
  const migrations = (prefix) => ({
    '0001_events': {
      up: (trx) =>
        trx.schema
          .createTable(`${prefix}demo_events`)
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('kind', 'text', (c) => c.notNull())
          .execute(),
    },
  })
  const first = await migrate(db, { namespace: 'demo', migrations })
  const second = await migrate(db, { namespace: 'demo', migrations })
  if (first.applied.length !== 1 || second.applied.length !== 0)
    throw new Error('migrations are not idempotent')
  return `applied ${first.applied.join(', ')}, then nothing`
})

await step('write 1,000 time-ordered rows in one transaction', async () => {
  const ids = Array.from({ length: 1000 }, () => uuidv7())
  await db.transaction().execute((trx) =>
    trx
      .insertInto('opskit_demo_events')
      .values(ids.map((id) => ({ id, kind: 'demo' })))
      .execute(),
  )
  const rows = await db.selectFrom('opskit_demo_events').select('id').orderBy('id').execute()
  if (rows.length !== 1000 || rows.some((row, i) => row.id !== ids[i]))
    throw new Error('ids are not time-ordered')
  return 'UUIDv7 ids sort in creation order'
})

await step('deliver a Standard Webhooks-signed request to a loopback receiver, with a retry', async () => {
  const secret = generateWebhookSecret()
  let attempts = 0
  const server = createServer((req, res) => {
    const chunks = []
    req.on('data', (chunk) => chunks.push(chunk))
    req.on('end', () => {
      attempts++
      if (attempts === 1) {
        res.writeHead(503).end()
        return
      }
      try {
        verifyWebhook({ headers: req.headers, payload: Buffer.concat(chunks), secrets: secret })
        res.writeHead(204).end()
      } catch (error) {
        res.writeHead(401).end(isOpskitError(error) ? error.code : 'error')
      }
    })
  })
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  const url = `http://127.0.0.1:${server.address().port}/hooks`
  const payload = JSON.stringify({
    type: 'demo.ping',
    timestamp: new Date().toISOString(),
    data: { hello: 'world' },
  })
  const headers = webhookHeaders({ id: `msg_${uuidv7()}`, timestamp: new Date(), payload, secrets: secret })
  try {
    const status = await retry(
      async () => {
        const response = await fetch(url, {
          method: 'POST',
          headers: { ...headers, 'content-type': 'application/json' },
          body: payload,
        })
        if (response.status >= 500)
          throw Object.assign(new Error(`HTTP ${response.status}`), { status: response.status })
        return response.status
      },
      { retries: 3, baseMs: 50 },
    )
    if (status !== 204) throw new Error(`receiver answered ${status}`)
    return `verified by the receiver after ${attempts} attempts (503, then 204)`
  } finally {
    server.close()
  }
})

await db.destroy()
const failed = steps.filter((s) => !s.ok).length
console.log(`\nsummary: ${steps.length - failed} of ${steps.length} steps ok; output in ./demo-output`)
process.exit(failed === 0 ? 0 : 1)
