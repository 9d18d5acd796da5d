import { runStoreConformance, type StoreConformanceCase } from '@opskit/core/testing'
import { expect } from 'vitest'
import type { ModelStore } from '../../store/model-store.js'

/** Options of {@link runModelStoreConformance}. */
export interface ModelStoreConformanceOptions {
  /** Suite name, e.g. `file store`. */
  readonly name: string
  /** Returns a fresh, empty store (a new key or file per call). */
  readonly create: () => ModelStore | Promise<ModelStore>
  /** Called after each case with the store `create` returned. @default closes it */
  readonly destroy?: (store: ModelStore) => Promise<void>
  /**
   * Opens a second store on the same data as the last `create` (as another process would); the
   * durability case needs it and is reported skipped without it.
   */
  readonly reopen?: () => ModelStore | Promise<ModelStore>
}

function modelStoreCases(create: () => Promise<ModelStore>): StoreConformanceCase<ModelStore>[] {
  return [
    {
      name: 'reads undefined before anything is written',
      run: async ({ store }) => {
        expect(await store.read()).toBeUndefined()
      },
    },
    {
      name: 'returns exactly what was written, large and non-ASCII documents included',
      run: async ({ store }) => {
        const document = JSON.stringify({ weights: 'x'.repeat(1_500_000), note: 'größe ✓ 日本' })
        await store.write(document)
        expect(await store.read()).toBe(document)
      },
    },
    {
      name: 'replaces the document on each write',
      run: async ({ store }) => {
        await store.write('{"v":1}')
        await store.write('{"v":2}')
        expect(await store.read()).toBe('{"v":2}')
      },
    },
    {
      name: 'keeps stores apart',
      run: async ({ store }) => {
        const other = await create()
        try {
          await store.write('{"a":true}')
          expect(await other.read()).toBeUndefined()
        } finally {
          await other.close()
        }
      },
    },
    {
      name: 'closes idempotently',
      run: async ({ store }) => {
        await store.write('{"v":1}')
        await store.close()
        await expect(store.close()).resolves.toBeUndefined()
      },
    },
    {
      name: 'keeps a written document for a store reopened on the same data',
      needs: 'reopen',
      run: async ({ store, reopen }) => {
        await store.write('{"durable":true}')
        await store.close()
        expect(await (await reopen()).read()).toBe('{"durable":true}')
      },
    },
  ]
}

/**
 * The behaviour every {@link ModelStore} must have, on `@opskit/core/testing`'s
 * `runStoreConformance`: empty reads, exact round trips (large and non-ASCII documents included),
 * overwrite, isolation between stores, an idempotent `close()`, and (with `reopen`) documents that
 * outlive the store that wrote them.
 */
export function runModelStoreConformance(options: ModelStoreConformanceOptions): void {
  const create = async () => options.create()
  const reopen = options.reopen
  runStoreConformance(
    'ModelStore conformance',
    {
      name: options.name,
      create,
      destroy: options.destroy ?? ((store) => store.close()),
      ...(reopen ? { reopen: async () => reopen() } : {}),
    },
    modelStoreCases(create),
  )
}
