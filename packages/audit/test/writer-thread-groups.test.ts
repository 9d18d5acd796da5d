import { fileURLToPath } from 'node:url'
import { openSqlite } from '@opskit/core/sqlite'
import { createWorkerClient, startModuleWorker, type WorkerClient } from '@opskit/core/worker'
import { tempSqlitePath } from '@opskit/test-support'
import Database from 'better-sqlite3'
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createAuditLog } from '../src/index.js'
import { EVENT_COLUMNS } from '../src/store/kysely/event-statements.js'
import { auditTables } from '../src/store/kysely/migrations.js'
import type {
  AppendRequest,
  WriterReplies,
  WriterRequest,
  WriterSetup,
} from '../src/store/kysely/sqlite-writer-protocol.js'

// The writer thread's grouping, driven through its own protocol: appends announced with `more`
// share one transaction, a refused append writes nothing inside a group, a failing one takes the
// whole group back, and a group whose announced append never comes still commits. Checkpoints
// and subject keys are written inside the open group.

const temps: Array<{ cleanup(): void }> = []
afterAll(() => {
  for (const temp of temps) temp.cleanup()
})

const tables = auditTables('opskit_')
const hex = (n: number) => n.toString(16).padStart(64, '0')

let path: string
let client: WorkerClient<WriterRequest, unknown>
let head: { seq: number; hash: string }

const ask = <K extends WriterRequest['kind']>(request: WriterRequest & { kind: K }) =>
  client.request(request) as Promise<WriterReplies[K]>

/** An append of `count` rows chained on `from`; `id` fixes the first row's id (for a clash). */
function append(
  from: { seq: number; hash: string },
  count: number,
  more: boolean,
  id?: string,
): AppendRequest & { to: { seq: number; hash: string } } {
  const parameters: unknown[] = []
  let prev = from.hash
  for (let i = 1; i <= count; i++) {
    const seq = from.seq + i
    const hash = hex(seq * 7919)
    const rowId = i === 1 && id ? id : `00000000-0000-7000-8000-${seq.toString().padStart(12, '0')}`
    parameters.push(
      '',
      seq,
      rowId,
      null,
      1,
      1,
      'u',
      'a.b',
      'admin',
      'success',
      'info',
      null,
      null,
      '{}',
      hex(seq),
      prev,
      hash,
    )
    prev = hash
  }
  const to = { seq: from.seq + count, hash: prev }
  return {
    kind: 'append',
    chains: [{ chainId: '', count, expectSeq: from.seq, expectHash: from.hash, lastHash: to.hash }],
    keyIds: [],
    parameters,
    more,
    to,
  }
}

const stored = () => {
  const db = new Database(path, { readonly: true })
  const seqs = (
    db.prepare(`SELECT seq FROM ${tables.events} ORDER BY seq`).all() as Array<{ seq: number }>
  ).map((row) => row.seq)
  const chain = db.prepare(`SELECT last_seq, last_hash FROM ${tables.chains}`).get() as {
    last_seq: number
    last_hash: string
  }
  db.close()
  return { seqs, head: { seq: chain.last_seq, hash: chain.last_hash.trim() } }
}

const readAll = (sql: string) => {
  const db = new Database(path, { readonly: true })
  const rows = db.prepare(sql).pluck().all()
  db.close()
  return rows
}
const checkpointsStored = () =>
  readAll(`SELECT text FROM ${tables.checkpoints} WHERE text LIKE 'checkpoint %'`)
const keysStored = () => readAll(`SELECT key_id FROM ${tables.keys}`)

beforeEach(async () => {
  const temp = tempSqlitePath()
  temps.push(temp)
  path = temp.path
  // One event through the log makes the tables and the chain's head row.
  const db = openSqlite(path)
  const log = await createAuditLog({ db, auditReads: false })
  const first = await log.logAdminAction({ actor: { id: 'u' }, action: 'a.b' })
  await log.close()
  await db.destroy()
  head = { seq: first.seq, hash: first.hash }
  const setup: WriterSetup = {
    path,
    synchronous: 2,
    busyTimeoutMs: 5_000,
    tables: {
      events: tables.events,
      chains: tables.chains,
      keys: tables.keys,
      checkpoints: tables.checkpoints,
    },
  }
  const writerModule = fileURLToPath(new URL('../src/store/kysely/sqlite-writer.ts', import.meta.url))
  client = createWorkerClient(startModuleWorker(writerModule, 'sqlite-writer-worker', { workerData: setup }))
  await ask({ kind: 'ready' })
})

afterEach(async () => {
  await client.close()
})

describe('writer thread groups', () => {
  it('answers appends announced with more only when the last of them commits', async () => {
    const order: string[] = []
    const first = append(head, 3, true)
    const second = append(first.to, 2, false)
    const answers = [
      ask(first).then((outcome) => order.push(`first:${outcome}`)),
      ask(second).then((outcome) => order.push(`second:${outcome}`)),
    ]
    await Promise.all(answers)
    expect(order).toEqual(['first:committed', 'second:committed'])
    expect(stored()).toEqual({ seqs: [1, 2, 3, 4, 5, 6], head: second.to })
  })

  it('commits a group at a flush when its announced append is not coming', async () => {
    const order: string[] = []
    const first = append(head, 2, true)
    const committed = ask(first).then((outcome) => order.push(`append:${outcome}`))
    await ask({ kind: 'flush' }).then(() => order.push('flush'))
    await committed
    // The group committed before the flush was answered, not when the wait for the append ran out.
    expect(order).toEqual(['append:committed', 'flush'])
    expect(stored().head).toEqual(first.to)
  })

  it('commits a group whose announced append never comes', async () => {
    const first = append(head, 2, true)
    expect(await ask(first)).toBe('committed')
    expect(stored()).toEqual({ seqs: [1, 2, 3], head: first.to })
  })

  it('refuses an append chained on a head that is not the stored one, and keeps the rest of its group', async () => {
    const first = append(head, 2, true)
    const stale = append(head, 4, true)
    const third = append(first.to, 1, false)
    const outcomes = await Promise.all([ask(first), ask(stale), ask(third)])
    expect(outcomes).toEqual(['committed', 'head-moved', 'committed'])
    expect(stored()).toEqual({ seqs: [1, 2, 3, 4], head: third.to })
  })

  it('takes the whole group back when one of its appends fails to write', async () => {
    const first = append(head, 2, true)
    const clash = append(first.to, 2, false, '00000000-0000-7000-8000-000000000002')
    const outcomes = await Promise.allSettled([ask(first), ask(clash)])
    expect(outcomes.map((outcome) => outcome.status)).toEqual(['rejected', 'rejected'])
    expect((outcomes[1] as PromiseRejectedResult).reason.code).toMatch(/^SQLITE_CONSTRAINT/)
    expect(stored()).toEqual({ seqs: [1], head })
    // The thread goes on: the next group starts from the stored head.
    const next = append(head, 1, false)
    expect(await ask(next)).toBe('committed')
    expect(stored().seqs).toEqual([1, 2])
  })

  it("writes a checkpoint posted inside a group in the group's transaction, not in one of its own", async () => {
    // The log signs a checkpoint every checkpointEvery events while the next group is open:
    // committing that group early for it, then the checkpoint alone, cost two more commits.
    const first = append(head, 2, true)
    // At seq 2 (the log's close made the one at seq 1; a second one there would be ignored).
    const checkpoint = { chainId: '', seq: 2, hash: first.to.hash, text: 'checkpoint 2', createdAt: 1 }
    const clash = append(first.to, 2, false, '00000000-0000-7000-8000-000000000002')
    const outcomes = await Promise.allSettled([
      ask(first),
      ask({ kind: 'checkpoint', checkpoint }),
      ask(clash),
    ])
    // One transaction: the failing append takes the checkpoint back with the rest of the group.
    expect(outcomes.map((outcome) => outcome.status)).toEqual(['rejected', 'rejected', 'rejected'])
    expect(stored()).toEqual({ seqs: [1], head })
    expect(checkpointsStored()).toEqual([])
    // Answered with the group when it commits.
    const next = append(head, 1, true)
    const answers = await Promise.all([
      ask(next),
      ask({ kind: 'checkpoint', checkpoint }),
      ask(append(next.to, 1, false)),
    ])
    expect(answers).toEqual(['committed', true, 'committed'])
    expect(checkpointsStored()).toEqual(['checkpoint 2'])
  })

  it('makes subject keys inside the open group, so a key is durable with the rows sealed with it', async () => {
    const first = append(head, 2, true)
    const clash = append(first.to, 2, false, '00000000-0000-7000-8000-000000000002')
    const [appended, keys, clashed] = await Promise.allSettled([
      ask(first),
      ask({ kind: 'keys', subjects: ['subject-1'] }),
      ask(clash),
    ])
    // The key was answered at once, then went back with the group.
    expect(keys.status).toBe('fulfilled')
    const made = (keys as PromiseFulfilledResult<WriterReplies['keys']>).value
    expect(made.map((key) => key.subjectId)).toEqual(['subject-1'])
    expect([appended.status, clashed.status]).toEqual(['rejected', 'rejected'])
    expect(keysStored()).toEqual([])
    // Rows sealed with the lost key are refused, and the subject gets a key again.
    const sealed = { ...append(head, 1, false), keyIds: [(made[0] as { keyId: string }).keyId] }
    expect(await ask(sealed)).toBe('key-destroyed')
    const again = await ask({ kind: 'keys', subjects: ['subject-1'] })
    expect(await ask({ ...append(head, 1, false), keyIds: [again[0]?.keyId as string] })).toBe('committed')
    expect(keysStored()).toEqual([again[0]?.keyId])
  })

  it('rejects an append whose row width is wrong without touching the chain', async () => {
    const bad = append(head, 1, false)
    bad.parameters = bad.parameters.slice(0, EVENT_COLUMNS.length - 1)
    await expect(ask(bad)).rejects.toThrow()
    expect(stored()).toEqual({ seqs: [1], head })
  })
})
