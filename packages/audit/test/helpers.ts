export { isOpskitError } from '@opskit/core'
export * from '../src/index.js'
