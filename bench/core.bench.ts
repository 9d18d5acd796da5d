// @opskit/core hot paths against what Node gives for free.
import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto'
import { constantTimeEqual, signWebhook, uuidv7 } from '@opskit/core'
import { opsPerSecond, printRows } from './lib/compare.js'

const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'
const key = Buffer.from(secret.slice(6), 'base64')
const payload = JSON.stringify({ type: 'order.paid', data: { id: 'ord_1', amount: 4200, currency: 'EUR' } })
const a = Buffer.from('a'.repeat(64))
const b = Buffer.from(`${'a'.repeat(63)}b`)

printRows('core', [
  await opsPerSecond(
    'uuidv7() vs crypto.randomUUID() (v4)',
    () => uuidv7(),
    () => randomUUID(),
  ),
  await opsPerSecond(
    'signWebhook vs a bare HMAC of the same content',
    () => signWebhook({ id: 'msg_1', timestamp: 1_700_000_000, payload, secrets: secret }),
    () => `v1,${createHmac('sha256', key).update(`msg_1.1700000000.${payload}`).digest('base64')}`,
  ),
  await opsPerSecond(
    'constantTimeEqual vs timingSafeEqual (same length)',
    () => constantTimeEqual(a, b),
    () => timingSafeEqual(a, b),
  ),
])
