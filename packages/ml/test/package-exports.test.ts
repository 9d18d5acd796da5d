import { join } from 'node:path'
import { describePackageExports } from '../../../test-support/src/index.js'

describePackageExports({
  packageDir: join(import.meta.dirname, '..'),
  expected: {
    '.': ['createAnomalyDetector', 'MlError', 'createFileModelStore'],
    './testing': ['createMemoryModelStore', 'runModelStoreConformance', 'runAnomalyDetectorConformance'],
    './nab': ['loadNabCorpus', 'crossValidateNab', 'NAB_PROFILES'],
    './tfjs': ['trainAutoencoder', 'createFraudNetwork', 'createSelloutForecaster'],
  },
  notAtRoot: ['createMemoryModelStore', 'loadNabCorpus', 'crossValidateNab', 'trainAutoencoder'],
  requireResolveOnly: ['./testing'],
})
