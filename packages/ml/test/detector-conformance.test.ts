import { beforeAll } from 'vitest'
import { createAnomalyDetector } from '../src/index.js'
import { runAnomalyDetectorConformance } from '../src/testing/index.js'
import { createAnomalyDetector as createAnyDetector, useBestBackend } from '../src/tfjs/index.js'

beforeAll(async () => {
  await useBestBackend()
})

runAnomalyDetectorConformance({
  name: 'ensemble',
  create: () => createAnomalyDetector(),
  load: (io) => createAnomalyDetector.load(io),
})

runAnomalyDetectorConformance({
  name: 'zscore',
  create: () => createAnomalyDetector({ kind: 'zscore' }),
  load: (io) => createAnomalyDetector.load(io),
})

runAnomalyDetectorConformance({
  name: 'autoencoder',
  create: () =>
    createAnyDetector({
      kind: 'autoencoder',
      trainAfter: 200,
      retrainEvery: 600,
      epochs: 3,
      trainWindows: 400,
    }),
  load: (io) => createAnyDetector.load(io),
})
