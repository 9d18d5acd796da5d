import type { GroupCommit, GroupCommitRunOptions } from './group-commit.js'
import type { HostDatabase } from './host-database.js'
import { type Outcome, settleWithOutcome } from './outcome.js'

/**
 * Collects rows into one item of a {@link GroupCommit}: the first row queues the item, later rows
 * join it until it starts running, so a group of concurrent sends writes its rows with one
 * multi-row statement instead of one statement each. `write` returns one outcome per row, in
 * order; a row whose outcome is an error rejects alone.
 */
export function createStatementBatch<Row, Result>(
  group: GroupCommit,
  write: (executor: HostDatabase, rows: Row[]) => Promise<Array<Outcome<Result>>>,
  options?: GroupCommitRunOptions,
): (row: Row) => Promise<Result> {
  type Entry = { row: Row; resolve: (value: Result) => void; reject: (error: unknown) => void }
  let open: Entry[] | undefined
  return (row) =>
    new Promise<Result>((resolve, reject) => {
      if (open) {
        open.push({ row, resolve, reject })
        return
      }
      const entries: Entry[] = [{ row, resolve, reject }]
      open = entries
      group
        .run(async (executor) => {
          open = undefined
          return write(
            executor,
            entries.map((entry) => entry.row),
          )
        }, options)
        .then(
          (outcomes) => {
            entries.forEach((entry, index) => {
              settleWithOutcome(entry, outcomes[index])
            })
          },
          (error: unknown) => {
            for (const entry of entries) entry.reject(error)
          },
        )
    })
}
