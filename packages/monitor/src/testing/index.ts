/**
 * `@opskit/monitor/testing`: mocks and conformance suites for hosts' tests.
 * @packageDocumentation
 */
export { createFakeClock, type FakeClock } from '@opskit/core/testing'
export {
  type MonitorStoreConformanceOptions,
  runMonitorStoreConformance,
} from './conformance/monitor-store.js'
export { createMemoryMonitorStore } from './memory-monitor-store.js'
export { createMockChannel, type MockChannel } from './mock-channel.js'
export { type RuleTestResult, type TestRulesOptions, testRules } from './rule-tests/test-rules.js'
