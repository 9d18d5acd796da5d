import { join } from 'node:path'
import { describePackageExports } from '../../../test-support/src/index.js'

describePackageExports({
  packageDir: join(import.meta.dirname, '..'),
  expected: {
    '.': ['createMonitor', 'createSlackChannel', 'createKyselyMonitorStore', 'loadRules', 'createRuleEngine'],
    './alerting': [
      'createDispatcher',
      'createInhibitor',
      'createSilences',
      'compileRoutes',
      'decideNotification',
    ],
    './testing': ['createMemoryMonitorStore', 'runMonitorStoreConformance', 'createMockChannel', 'testRules'],
    './tracing': ['startTracing'],
  },
  notAtRoot: ['createDispatcher', 'createSilences', 'createMemoryMonitorStore'],
  requireResolveOnly: ['./testing'],
})
