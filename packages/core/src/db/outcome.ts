/** How one write of a shared transaction ended: its value, or the error that failed it alone. */
export type Outcome<Result> = { ok: true; value: Result } | { ok: false; error: unknown }

/** Runs `each` on every item in turn and records how each ended, without stopping at a failure. */
export async function settleEach<Item, Result>(
  items: readonly Item[],
  each: (item: Item) => Promise<Result>,
): Promise<Array<Outcome<Result>>> {
  const outcomes: Array<Outcome<Result>> = []
  for (const item of items) {
    try {
      outcomes.push({ ok: true, value: await each(item) })
    } catch (error) {
      outcomes.push({ ok: false, error })
    }
  }
  return outcomes
}

/** Resolves or rejects a caller with its outcome (a missing outcome is an error). */
export function settleWithOutcome<Result>(
  caller: { resolve(value: Result): void; reject(error: unknown): void },
  outcome: Outcome<Result> | undefined,
): void {
  if (outcome?.ok) caller.resolve(outcome.value)
  else caller.reject(outcome ? outcome.error : new Error('no outcome for a batched write'))
}
