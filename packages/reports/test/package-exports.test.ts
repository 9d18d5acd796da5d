import { join } from 'node:path'
import { describePackageExports } from '../../../test-support/src/index.js'

describePackageExports({
  packageDir: join(import.meta.dirname, '..'),
  expected: {
    '.': ['createReports', 'defineReport', 'createKyselyReportsStore', 'ReportsError', 'createCsvRenderer'],
    './examples': [
      'builtinReports',
      'migrateExampleSchema',
      'exampleSchemaMigrations',
      'createAuditComplianceReport',
      'periodParams',
    ],
    './testing': ['createMemoryReportsStore', 'runReportsStoreConformance', 'seedExampleData'],
    './xlsx': ['createXlsxRenderer'],
    './pdf': ['createPdfRenderer'],
  },
  notAtRoot: [
    'builtinReports',
    'migrateExampleSchema',
    'createAuditComplianceReport',
    'createMemoryReportsStore',
    'isOpskitReportError',
  ],
  requireResolveOnly: ['./testing'],
})
