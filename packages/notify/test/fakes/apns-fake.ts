import { generateKeyPairSync, type KeyObject, verify } from 'node:crypto'
import { type FakeResponse, type RecordedRequest, startHttpFake } from '@opskit/test-support'

/** A fresh APNs-style ES256 key pair (PKCS#8 PEM private key, as in a `.p8` file). */
export function apnsKeyPair(): { privateKey: string; publicKey: KeyObject } {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' })
  return { privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), publicKey }
}

/** Checks an APNs provider token: ES256 over header.claims, `kid`, `iss`, and `iat` within the hour. */
export function checkProviderToken(
  authorization: string | undefined,
  expected: { publicKey: KeyObject; keyId: string; teamId: string; now: number },
): string | undefined {
  const match = /^bearer (.+)\.(.+)\.(.+)$/.exec(authorization ?? '')
  if (!match) return 'MissingProviderToken'
  const [, header, claims, signature] = match as unknown as [string, string, string, string]
  const ok = verify(
    'sha256',
    Buffer.from(`${header}.${claims}`),
    { key: expected.publicKey, dsaEncoding: 'ieee-p1363' },
    Buffer.from(signature, 'base64url'),
  )
  if (!ok) return 'InvalidProviderToken'
  const h = JSON.parse(Buffer.from(header, 'base64url').toString()) as { alg?: string; kid?: string }
  const c = JSON.parse(Buffer.from(claims, 'base64url').toString()) as { iss?: string; iat?: number }
  if (h.alg !== 'ES256' || h.kid !== expected.keyId || c.iss !== expected.teamId)
    return 'InvalidProviderToken'
  if (typeof c.iat !== 'number' || expected.now / 1000 - c.iat > 3600) return 'ExpiredProviderToken'
  return undefined
}

/** A loopback h2c fake of `POST /3/device/:token` that verifies the JWT and the apns-* headers. */
export async function startApnsFake(options: {
  publicKey: KeyObject
  keyId: string
  teamId: string
  bundleId: string
}) {
  const fake = await startHttpFake({ http2: true })
  const accepted: Array<{
    token: string
    payload: { aps: { alert?: { title?: string; body?: string } } } & Record<string, unknown>
    request: RecordedRequest
  }> = []
  const scripted = new Map<string, FakeResponse>()
  fake.route('POST', '/3/device/:token', (request) => {
    const reason = checkProviderToken(String(request.headers.authorization ?? ''), {
      ...options,
      now: Date.now(),
    })
    if (reason) return { status: 403, body: { reason } }
    if (request.headers['apns-topic'] !== options.bundleId)
      return { status: 400, body: { reason: 'BadTopic' } }
    const payload = request.json<{
      aps: { alert?: { title?: string; body?: string }; 'content-available'?: number }
    }>()
    const pushType = request.headers['apns-push-type']
    if (
      (pushType === 'alert' && !payload.aps.alert) ||
      (pushType === 'background' && payload.aps['content-available'] !== 1)
    ) {
      return { status: 400, body: { reason: 'InvalidPushType' } }
    }
    const token = request.params.token as string
    const script = scripted.get(token)
    if (script) return script
    if (!/^[0-9a-f]{16,200}$/i.test(token)) return { status: 400, body: { reason: 'BadDeviceToken' } }
    accepted.push({ token, payload, request })
    return { status: 200, headers: { 'apns-id': String(request.headers['apns-id']) } }
  })
  return {
    fake,
    accepted,
    /** Answers every request for `token` with this response. */
    script: (token: string, response: FakeResponse) => scripted.set(token, response),
    unregistered: (token: string) =>
      scripted.set(token, { status: 410, body: { reason: 'Unregistered', timestamp: Date.now() } }),
  }
}
