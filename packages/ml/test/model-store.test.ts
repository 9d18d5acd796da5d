import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { forEachDialect } from '@opskit/test-support'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { createAnomalyDetector, createFileModelStore, createKyselyModelStore } from '../src/index.js'
import { createMemoryModelStore, runModelStoreConformance } from '../src/testing/index.js'

const dir = { path: '' }
let counter = 0
beforeAll(async () => {
  dir.path = await mkdtemp(join(tmpdir(), 'opskit-ml-store-'))
})
afterAll(() => rm(dir.path, { recursive: true, force: true }))

runModelStoreConformance({
  name: 'memory store',
  create: () => createMemoryModelStore(),
})

runModelStoreConformance({
  name: 'file store',
  create: () => createFileModelStore({ path: join(dir.path, `nested/model-${++counter}.json`) }),
  reopen: () => createFileModelStore({ path: join(dir.path, `nested/model-${counter}.json`) }),
})

forEachDialect('database model store', ({ db }) => {
  runModelStoreConformance({
    name: 'database store',
    create: () => createKyselyModelStore({ db: db(), key: `model-${++counter}`, tablePrefix: 'mltest_' }),
    reopen: () => createKyselyModelStore({ db: db(), key: `model-${counter}`, tablePrefix: 'mltest_' }),
  })

  it('saves a detector into the host database and loads it back', async () => {
    const store = await createKyselyModelStore({ db: db(), key: 'detector:latency' })
    const detector = await createAnomalyDetector()
    const start = Date.UTC(2024, 0, 1)
    for (let i = 0; i < 700; i++)
      detector.update({ timestamp: start + i * 60_000, value: 20 + Math.sin(i / 9) })
    await detector.save(store)
    const loaded = await createAnomalyDetector.load(
      await createKyselyModelStore({ db: db(), key: 'detector:latency' }),
    )
    for (let i = 700; i < 800; i++) {
      const point = { timestamp: start + i * 60_000, value: 20 + Math.sin(i / 9) + (i === 780 ? 5 : 0) }
      expect(loaded.update(point)).toEqual(detector.update(point))
    }
  })
})
