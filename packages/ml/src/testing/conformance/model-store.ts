import { describe, expect, it } from 'vitest'
import type { ModelStore } from '../../model-store/model-store.js'

/** Options of {@link runModelStoreConformance}. */
export interface ModelStoreConformanceOptions {
  /** Suite name, e.g. `file store`. */
  readonly name: string
  /** Returns a fresh, empty store (a new key or file per call). */
  readonly create: () => ModelStore | Promise<ModelStore>
}

/**
 * The behaviour every {@link ModelStore} must have: empty reads, exact round trips (large and
 * non-ASCII documents included), overwrite, and isolation between stores.
 */
export function runModelStoreConformance(options: ModelStoreConformanceOptions): void {
  describe(`ModelStore conformance: ${options.name}`, () => {
    it('reads undefined before anything is written', async () => {
      const store = await options.create()
      expect(await store.read()).toBeUndefined()
    })

    it('returns exactly what was written, large and non-ASCII documents included', async () => {
      const store = await options.create()
      const document = JSON.stringify({ weights: 'x'.repeat(1_500_000), note: 'größe ✓ 日本' })
      await store.write(document)
      expect(await store.read()).toBe(document)
    })

    it('replaces the document on each write', async () => {
      const store = await options.create()
      await store.write('{"v":1}')
      await store.write('{"v":2}')
      expect(await store.read()).toBe('{"v":2}')
    })

    it('keeps stores apart', async () => {
      const a = await options.create()
      const b = await options.create()
      await a.write('{"a":true}')
      expect(await b.read()).toBeUndefined()
    })
  })
}
