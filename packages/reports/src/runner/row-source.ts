import type { HostDatabase } from '@opskit/core'
import { dialectOf } from '@opskit/core/internal'
import { type Compilable, CompiledQuery } from 'kysely'
import type { ReportRow, ReportSource } from '../definition/report-definition.js'

/** Rows fetched per round trip on PostgreSQL (server-side cursor). */
const FETCH_SIZE = 1000
/** SQLite iterates synchronously: give the event loop a turn this often. */
const YIELD_EVERY = 500

let cursorSeq = 0

function isCompilable(source: ReportSource): source is Compilable<ReportRow> {
  return typeof (source as { compile?: unknown }).compile === 'function'
}

const yieldToLoop = () => new Promise<void>((resolve) => setImmediate(resolve))

/**
 * Streams the rows of a report source. A Kysely query streams from the database: on SQLite
 * through `stmt.iterate()` on `readDb` (a separate connection, so writes on the main one are
 * not blocked); on PostgreSQL through a server-side cursor (`DECLARE ... CURSOR` + `FETCH` in a
 * read-only transaction), so no `pg-cursor` dialect configuration is needed.
 */
export async function* streamRows(source: ReportSource, readDb: HostDatabase): AsyncGenerator<ReportRow> {
  if (!isCompilable(source)) {
    yield* source
    return
  }
  const compiled = source.compile()
  if (dialectOf(readDb) === 'postgres') {
    yield* streamPostgres(readDb, compiled)
    return
  }
  let count = 0
  for await (const result of readDb.getExecutor().stream<ReportRow>(compiled, FETCH_SIZE)) {
    for (const row of result.rows) {
      yield row
      if (++count % YIELD_EVERY === 0) await yieldToLoop()
    }
  }
}

async function* streamPostgres(db: HostDatabase, compiled: CompiledQuery): AsyncGenerator<ReportRow> {
  const name = `opskit_report_cursor_${++cursorSeq}`
  // Kysely releases a connection when `execute` returns, so the whole cursor runs inside one
  // and hands batches to this generator through a small queue (at most two batches ahead).
  const queue: ReportRow[][] = []
  let done = false
  let failure: unknown
  let wake: (() => void) | undefined
  let resume: (() => void) | undefined
  let stopped = false
  const run = db
    .connection()
    .execute(async (conn) => {
      await conn.executeQuery(CompiledQuery.raw('BEGIN READ ONLY'))
      try {
        await conn.executeQuery(
          CompiledQuery.raw(`DECLARE ${name} NO SCROLL CURSOR FOR ${compiled.sql}`, [...compiled.parameters]),
        )
        while (!stopped) {
          const batch = await conn.executeQuery<ReportRow>(
            CompiledQuery.raw(`FETCH ${FETCH_SIZE} FROM ${name}`),
          )
          if (batch.rows.length === 0) break
          queue.push(batch.rows)
          wake?.()
          if (queue.length >= 2 && !stopped) await new Promise<void>((resolve) => (resume = resolve))
        }
      } finally {
        await conn.executeQuery(CompiledQuery.raw('ROLLBACK'))
      }
    })
    .then(
      () => {
        done = true
        wake?.()
      },
      (error: unknown) => {
        failure = error
        done = true
        wake?.()
      },
    )
  try {
    while (true) {
      const batch = queue.shift()
      if (batch) {
        resume?.()
        resume = undefined
        for (const row of batch) yield row
        continue
      }
      if (failure) throw failure
      if (done) break
      await new Promise<void>((resolve) => (wake = resolve))
      wake = undefined
    }
  } finally {
    stopped = true
    resume?.()
    await run
  }
}
