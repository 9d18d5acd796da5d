/**
 * `@opskit/notify/testing`: mock providers with scripted failures and readable assertions, and
 * the conformance suites every provider and store passes (they import `vitest`).
 * @packageDocumentation
 */
export { createFakeClock, type FakeClock } from '@opskit/core/testing'
export {
  type NotifyStoreConformanceOptions,
  runNotifyStoreConformance,
} from './conformance/notify-store.js'
export {
  type ProviderConformanceOptions,
  type ProviderHarness,
  type ReceivedEmail,
  type ReceivedPush,
  type ReceivedSms,
  type ReceivedWebhook,
  runEmailProviderConformance,
  runPushProviderConformance,
  runSmsProviderConformance,
  runWebhookProviderConformance,
} from './conformance/provider-conformance.js'
export { expectSent, type SentExpectation } from './expect-sent.js'
export { createMemoryNotifyStore } from './memory-notify-store.js'
export {
  createMockEmailProvider,
  createMockPushProvider,
  createMockSmsProvider,
  createMockWebhookProvider,
  type MockControls,
  type MockEmailProvider,
  type MockFailure,
  type MockProviders,
  type MockPushProvider,
  type MockSmsProvider,
  type MockWebhookProvider,
  mockProviders,
} from './mock-providers.js'
