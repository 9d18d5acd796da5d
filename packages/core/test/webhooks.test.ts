import { describe, expect, it } from 'vitest'
import {
  generateWebhookSecret,
  isOpskitError,
  signWebhook,
  verifyWebhook,
  webhookHeaders,
} from '../src/index.js'
import { decodeWebhookSecret } from '../src/internal/index.js'

// The published test vector of the Standard Webhooks specification.
const VECTOR = {
  secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
  id: 'msg_p5jXN8AQM9LWM0D4loKWxJek',
  timestamp: 1614265330,
  payload: '{"test": 2432232314}',
  signature: 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
}
const NOW = VECTOR.timestamp * 1000

function headers(signature = VECTOR.signature, timestamp = String(VECTOR.timestamp)) {
  return { 'webhook-id': VECTOR.id, 'webhook-timestamp': timestamp, 'webhook-signature': signature }
}

function failureCode(fn: () => unknown): string | undefined {
  try {
    fn()
  } catch (error) {
    return isOpskitError(error) ? error.code : 'not-opskit'
  }
  return undefined
}

describe('Standard Webhooks', () => {
  it('reproduces the specification vector', () => {
    expect(
      signWebhook({
        id: VECTOR.id,
        timestamp: VECTOR.timestamp,
        payload: VECTOR.payload,
        secrets: VECTOR.secret,
      }),
    ).toBe(VECTOR.signature)
  })

  it('verifies the specification vector, with and without the whsec_ prefix', () => {
    expect(
      verifyWebhook({ headers: headers(), payload: VECTOR.payload, secrets: VECTOR.secret, now: NOW }),
    ).toEqual({
      id: VECTOR.id,
      timestamp: VECTOR.timestamp,
    })
    const bare = VECTOR.secret.slice('whsec_'.length)
    expect(
      verifyWebhook({ headers: new Headers(headers()), payload: VECTOR.payload, secrets: bare, now: NOW }).id,
    ).toBe(VECTOR.id)
  })

  it('rejects a changed body, id or timestamp, and a wrong secret', () => {
    const verify =
      (h: Record<string, string>, payload = VECTOR.payload, secrets = VECTOR.secret) =>
      () =>
        verifyWebhook({ headers: h, payload, secrets, now: NOW })
    expect(failureCode(verify(headers(), '{"test": 2432232315}'))).toBe('CORE_WEBHOOK_INVALID_SIGNATURE')
    expect(failureCode(verify({ ...headers(), 'webhook-id': 'msg_other' }))).toBe(
      'CORE_WEBHOOK_INVALID_SIGNATURE',
    )
    expect(failureCode(verify(headers(VECTOR.signature, String(VECTOR.timestamp + 1))))).toBe(
      'CORE_WEBHOOK_INVALID_SIGNATURE',
    )
    expect(failureCode(verify(headers(), VECTOR.payload, generateWebhookSecret()))).toBe(
      'CORE_WEBHOOK_INVALID_SIGNATURE',
    )
    expect(failureCode(verify(headers(`v2,${VECTOR.signature.slice(3)}`)))).toBe(
      'CORE_WEBHOOK_INVALID_SIGNATURE',
    )
  })

  it('enforces the 5-minute tolerance both ways', () => {
    const at = (now: number) => () =>
      verifyWebhook({ headers: headers(), payload: VECTOR.payload, secrets: VECTOR.secret, now })
    expect(failureCode(at(NOW + 300_000))).toBeUndefined()
    expect(failureCode(at(NOW + 301_000))).toBe('CORE_WEBHOOK_TIMESTAMP_OUT_OF_TOLERANCE')
    expect(failureCode(at(NOW - 301_000))).toBe('CORE_WEBHOOK_TIMESTAMP_OUT_OF_TOLERANCE')
    expect(
      failureCode(() =>
        verifyWebhook({
          headers: headers(VECTOR.signature, 'abc'),
          payload: '',
          secrets: VECTOR.secret,
          now: NOW,
        }),
      ),
    ).toBe('CORE_WEBHOOK_TIMESTAMP_OUT_OF_TOLERANCE')
  })

  it('says when headers are missing', () => {
    expect(
      failureCode(() => verifyWebhook({ headers: {}, payload: '', secrets: VECTOR.secret, now: NOW })),
    ).toBe('CORE_WEBHOOK_MISSING_HEADERS')
  })

  it('signs with several secrets during rotation; receivers holding either accept', () => {
    const next = generateWebhookSecret()
    const signed = webhookHeaders({
      id: 'msg_1',
      timestamp: new Date(NOW),
      payload: 'body',
      secrets: [VECTOR.secret, next],
    })
    expect(signed['webhook-signature'].split(' ')).toHaveLength(2)
    for (const secret of [VECTOR.secret, next]) {
      expect(verifyWebhook({ headers: { ...signed }, payload: 'body', secrets: secret, now: NOW }).id).toBe(
        'msg_1',
      )
    }
    expect(
      verifyWebhook({ headers: headers(), payload: VECTOR.payload, secrets: [next, VECTOR.secret], now: NOW })
        .id,
    ).toBe(VECTOR.id)
  })

  it('generates 32-byte secrets and refuses malformed ones', () => {
    const secret = generateWebhookSecret()
    expect(secret.startsWith('whsec_')).toBe(true)
    expect(decodeWebhookSecret(secret)).toHaveLength(32)
    expect(failureCode(() => decodeWebhookSecret('whsec_not base64!'))).toBe('CORE_INVALID_ARGUMENT')
    expect(failureCode(() => generateWebhookSecret(8))).toBe('CORE_INVALID_ARGUMENT')
  })
})
