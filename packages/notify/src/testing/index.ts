/**
 * `@opskit/notify/testing`: mocks and conformance suites for hosts' tests.
 * @packageDocumentation
 */
export { createFakeClock, type FakeClock } from '@opskit/core/testing'
