import { describe, it } from 'vitest'
import { CoreError } from '../errors/opskit-error.js'

/** The store under test, as {@link runStoreConformance} gets it. */
export interface StoreConformanceOptions<S> {
  /** Suite name, e.g. `kysely/sqlite`. */
  name: string
  /** A fresh, empty store per test. */
  create: () => Promise<S>
  /** Called after each test with the store `create` returned (close it, drop its data). */
  destroy?: ((store: S) => Promise<void>) | undefined
  /** Opens a second store on the same data (as another process would); durability cases need it. */
  reopen?: (() => Promise<S>) | undefined
}

/** One case of a package's store conformance suite. */
export interface StoreConformanceCase<S> {
  name: string
  /** `'reopen'`: the case is reported as skipped (not passed) when the target has no `reopen`. */
  needs?: 'reopen' | undefined
  run: (context: { store: S; reopen: () => Promise<S> }) => Promise<void>
}

/**
 * Declares a vitest `describe` block named `${suite} [${options.name}]` with one test per case.
 *
 * Each test gets a fresh store from `options.create()`. After the case, pass or fail, the harness
 * closes every store the case opened with `reopen()` (newest first): with the store's own
 * `close()` method when it has one (every opskit store does), otherwise with `options.destroy`.
 * Then it calls `options.destroy` on the store `create` returned. A case that needs `reopen` is
 * declared with `it.skip` when the target has none, so the run reports it as skipped, never as
 * passed. The case's own failure wins over a cleanup failure.
 *
 * Needs `vitest` (an optional peer of `@opskit/core`); import it from `@opskit/core/testing`
 * inside a test file only.
 *
 * @example
 * ```ts
 * runStoreConformance('monitor store', { name: 'memory', create: async () => createMemoryMonitorStore() }, [
 *   { name: 'reads back what it wrote', run: async ({ store }) => { … } },
 * ])
 * ```
 */
export function runStoreConformance<S>(
  suite: string,
  options: StoreConformanceOptions<S>,
  cases: readonly StoreConformanceCase<S>[],
): void {
  describe(`${suite} [${options.name}]`, () => {
    for (const testCase of cases) {
      const unsupported = testCase.needs === 'reopen' && options.reopen === undefined
      const declare = unsupported ? it.skip : it
      declare(testCase.name, () => runCase(options, testCase))
    }
  })
}

async function runCase<S>(
  options: StoreConformanceOptions<S>,
  testCase: StoreConformanceCase<S>,
): Promise<void> {
  const store = await options.create()
  const reopened: S[] = []
  const reopen = async (): Promise<S> => {
    if (!options.reopen) {
      throw new CoreError(
        'CORE_INVALID_ARGUMENT',
        `conformance case "${testCase.name}" called reopen() but target "${options.name}" has no reopen; declare the case with needs: 'reopen'`,
      )
    }
    const other = await options.reopen()
    reopened.push(other)
    return other
  }
  const failures: unknown[] = []
  try {
    await testCase.run({ store, reopen })
  } catch (error) {
    failures.push(error)
  }
  for (const other of reopened.reverse()) {
    await closeReopened(other, options).catch((error: unknown) => failures.push(error))
  }
  if (options.destroy) await options.destroy(store).catch((error: unknown) => failures.push(error))
  if (failures.length > 0) throw failures[0]
}

async function closeReopened<S>(store: S, options: StoreConformanceOptions<S>): Promise<void> {
  const close = (store as { close?: unknown } | null)?.close
  if (typeof close === 'function') await close.call(store)
  else await options.destroy?.(store)
}
