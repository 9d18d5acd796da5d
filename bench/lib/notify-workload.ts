// The messages the notify benches send, in one place so that the published bench and the probes
// that explain its figures (notify-pipeline-probe.ts, notify-pipeline-ab.ts, notify-scoping-probe.ts)
// measure the same work.
import { createHash } from 'node:crypto'
import type { SendInput } from '@opskit/notify'

/** The template the pipeline's sends render (an SMS with two variables). */
export const CODE_TEMPLATE = {
  name: 'code',
  channel: 'sms',
  text: 'Hi {{name}}, your code is {{code}}',
} as const

/** Pipeline send number `i`: a templated security SMS to the bench user, keyed when `idempotencyKey` is given. */
export function codeMessage(i: number, idempotencyKey?: string): SendInput {
  return {
    userId: 'bench-user',
    to: { phone: '+14155550100' },
    channels: ['sms'],
    template: 'code',
    data: { name: 'Ada', code: String(100000 + i) },
    category: 'security',
    ...(idempotencyKey === undefined ? {} : { idempotencyKey }),
  }
}

/** A scattered idempotency key for number `i`: deterministic, so both sides of a comparison send the same keys. */
export const scatteredKey = (prefix: string, i: number) =>
  createHash('sha256').update(`${prefix}-${i}`).digest('base64url').slice(0, 22)

/** Scoping send number `i`: a userless SMS with a scattered key, in `tenantId` when tenanted. */
export function userlessMessage(i: number, tenantId?: string): SendInput {
  return {
    to: { phone: '+14155550100' },
    channels: ['sms'],
    content: { text: `code ${i}` },
    idempotencyKey: scatteredKey('live', i),
    ...(tenantId === undefined ? {} : { tenantId }),
  }
}
