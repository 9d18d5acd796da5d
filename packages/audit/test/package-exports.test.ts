import { join } from 'node:path'
import { describePackageExports } from '../../../test-support/src/index.js'

describePackageExports({
  packageDir: join(import.meta.dirname, '..'),
  expected: {
    '.': ['createAuditLog', 'createKyselyAuditStore', 'AuditError', 'createRetentionStatement'],
    './testing': ['createMemoryAuditStore', 'runAuditStoreConformance'],
    './prometheus': ['createPrometheusAuditMetrics'],
  },
  notAtRoot: ['createMemoryAuditStore', 'runAuditStoreConformance', 'createPrometheusAuditMetrics'],
  requireResolveOnly: ['./testing'],
})
