import { generateKeyPairSync, randomBytes, sign } from 'node:crypto'
import { forEachDialect, type HttpFake, startHttpFake } from '@opskit/test-support'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createNotifier } from '../src/index.js'
import {
  createSendGridProvider,
  parseSendGridEvents,
  sendGridMessageId,
  verifySendGridSignature,
} from '../src/sendgrid/index.js'

const apiKey = 'SG.events-key-0123456789'

/** A P-256 key pair like the one SendGrid generates; the public half as its dashboard shows it. */
function keyPair() {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' })
  return {
    privateKey,
    publicKey: publicKey.export({ format: 'der', type: 'spki' }).toString('base64'),
    publicPem: publicKey.export({ format: 'pem', type: 'spki' }).toString(),
  }
}

/** What SendGrid does: ECDSA/SHA-256 over timestamp + raw body, DER signature in base64. */
function signEvents(privateKey: ReturnType<typeof keyPair>['privateKey'], body: string, timestamp: string) {
  return sign('sha256', Buffer.from(timestamp + body), privateKey).toString('base64')
}

/** A loopback `/v3/mail/send` that answers with X-Message-Id values shaped like SendGrid's. */
async function startSendgridFake() {
  const fake = await startHttpFake()
  const ids: string[] = []
  fake.route('POST', '/v3/mail/send', (request) => {
    if (request.headers.authorization !== `Bearer ${apiKey}`) return { status: 401, body: { errors: [] } }
    const id = randomBytes(16).toString('base64url')
    ids.push(id)
    return { status: 202, headers: { 'x-message-id': id }, body: '' }
  })
  return { fake, ids }
}

describe('SendGrid Event Webhook signatures', () => {
  it("verifies SendGrid's own published test vector (timestamp + payload, ECDSA P-256/SHA-256)", () => {
    // From the test suite of @sendgrid/eventwebhook (sendgrid-nodejs).
    const publicKey =
      'MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEEDr2LjtURuePQzplybdC+u4CwrqDqBaWjcMMsTbhdbcwHBcepxo7yAQGhHPTnlvFYPAZFceEu/1FwCM/QmGUhA=='
    const signature =
      'MEUCIQCtIHJeH93Y+qpYeWrySphQgpNGNr/U+UyUlBkU6n7RAwIgJTz2C+8a8xonZGi6BpSzoQsbVRamr2nlxFDWYNH2j/0='
    const timestamp = '1588788367'
    const body = JSON.stringify({
      category: 'example_payload',
      event: 'test_event',
      message_id: 'message_id',
    })
    expect(verifySendGridSignature({ body, signature, timestamp, publicKey })).toBe(true)
    expect(verifySendGridSignature({ body: Buffer.from(body), signature, timestamp, publicKey })).toBe(true)
    expect(verifySendGridSignature({ body: `${body} `, signature, timestamp, publicKey })).toBe(false)
    expect(verifySendGridSignature({ body, signature, timestamp: '1588788368', publicKey })).toBe(false)
    expect(verifySendGridSignature({ body, signature: undefined, timestamp, publicKey })).toBe(false)
    expect(verifySendGridSignature({ body, signature: 'bm90IGEgc2lnbmF0dXJl', timestamp, publicKey })).toBe(
      false,
    )
    expect(verifySendGridSignature({ body, signature, timestamp, publicKey: keyPair().publicKey })).toBe(
      false,
    )
  })

  it('accepts the key as base64 DER, PEM or KeyObject, and refuses a key that is not P-256', () => {
    const keys = keyPair()
    const body = '[]'
    const timestamp = '1700000000'
    const signature = signEvents(keys.privateKey, body, timestamp)
    for (const publicKey of [keys.publicKey, keys.publicPem]) {
      expect(verifySendGridSignature({ body, signature, timestamp, publicKey })).toBe(true)
    }
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey
    expect(() => verifySendGridSignature({ body, signature, timestamp, publicKey: rsa })).toThrow(
      expect.objectContaining({ code: 'NOTIFY_INVALID_OPTIONS' }),
    )
    expect(() => verifySendGridSignature({ body, signature, timestamp, publicKey: 'not-a-key' })).toThrow(
      expect.objectContaining({ code: 'NOTIFY_INVALID_OPTIONS' }),
    )
  })
})

describe('parseSendGridEvents', () => {
  const keys = keyPair()
  const now = 1_763_780_000_000
  const timestamp = String(now / 1000)
  const signed = (events: unknown, at = timestamp) => {
    const body = JSON.stringify(events)
    return {
      body,
      timestamp: at,
      signature: signEvents(keys.privateKey, body, at),
      publicKey: keys.publicKey,
      now,
    }
  }

  it('maps each event to a receipt keyed by the X-Message-Id part of sg_message_id, in the order to record them', () => {
    const base = { email: 'ada@example.com', 'smtp-id': '<x@ismtpd-555>', category: 'cat facts' }
    const receipts = parseSendGridEvents(
      signed([
        {
          ...base,
          event: 'delivered',
          timestamp: 1513299569,
          sg_event_id: 'e3',
          response: '250 OK',
          sg_message_id: 'AAAA.filterdrecv-1.0',
        },
        {
          ...base,
          event: 'processed',
          timestamp: 1513299569,
          sg_event_id: 'e1',
          sg_message_id: 'AAAA.filterdrecv-1.0',
        },
        {
          ...base,
          event: 'deferred',
          timestamp: 1513299569,
          sg_event_id: 'e2',
          response: '451 4.7.1 try again later',
          attempt: '5',
          sg_message_id: 'AAAA.filterdrecv-1.0',
        },
        {
          ...base,
          event: 'bounce',
          timestamp: 1513299570,
          type: 'bounce',
          status: '5.1.1',
          reason: '550 5.1.1 unknown user',
          bounce_classification: 'Invalid Address',
          sg_message_id: 'BBBB.recvd-2.0',
        },
        {
          ...base,
          event: 'bounce',
          timestamp: 1513299570,
          type: 'blocked',
          status: '5.7.1',
          reason: 'blocked',
          sg_message_id: 'CCCC.filter0001.16648.5515E0B88.0',
        },
        {
          ...base,
          event: 'dropped',
          timestamp: 1513299571,
          reason: 'Bounced Address',
          status: '5.0.0',
          sg_message_id: 'DDDD.filter-1.0',
        },
        { ...base, event: 'dropped', timestamp: 1513299571, reason: 'Invalid' }, // no sg_message_id: unmatched
        { ...base, event: 'spamreport', timestamp: 1513299580, sg_message_id: 'AAAA.filterdrecv-1.0' },
        {
          ...base,
          event: 'open',
          timestamp: 1513299575,
          useragent: 'Mozilla',
          ip: '255.255.255.255',
          sg_message_id: 'AAAA.filterdrecv-1.0',
        },
        {
          ...base,
          event: 'deferred',
          timestamp: 1513299560,
          response: '421 too many connections',
          sg_message_id: 'EEEE.filter-3.0',
        },
        'not an event',
      ]),
    )
    expect(receipts).toEqual([
      {
        provider: 'sendgrid',
        providerMessageId: 'EEEE',
        status: 'deferred',
        errorCode: '421',
        occurredAt: 1513299560_000,
      },
      { provider: 'sendgrid', providerMessageId: 'AAAA', status: 'processed', occurredAt: 1513299569_000 },
      {
        provider: 'sendgrid',
        providerMessageId: 'AAAA',
        status: 'deferred',
        errorCode: '4.7.1',
        occurredAt: 1513299569_000,
      },
      { provider: 'sendgrid', providerMessageId: 'AAAA', status: 'delivered', occurredAt: 1513299569_000 },
      {
        provider: 'sendgrid',
        providerMessageId: 'BBBB',
        status: 'bounce',
        errorCode: '5.1.1',
        occurredAt: 1513299570_000,
      },
      {
        provider: 'sendgrid',
        providerMessageId: 'CCCC',
        status: 'blocked',
        errorCode: '5.7.1',
        occurredAt: 1513299570_000,
      },
      {
        provider: 'sendgrid',
        providerMessageId: 'DDDD',
        status: 'dropped',
        errorCode: 'Bounced Address',
        occurredAt: 1513299571_000,
      },
      { provider: 'sendgrid', providerMessageId: 'AAAA', status: 'open', occurredAt: 1513299575_000 },
      { provider: 'sendgrid', providerMessageId: 'AAAA', status: 'spamreport', occurredAt: 1513299580_000 },
    ])
    expect(
      sendGridMessageId('W86EgYT6SQKk0lRflfLRsA.filterdrecv-p3mdw1-756b745b58-kmzbl-18-5F5FC1D9-9.0'),
    ).toBe('W86EgYT6SQKk0lRflfLRsA')
  })

  it('refuses a wrong signature, a tampered body and stale or future timestamps with NOTIFY_INVALID_SIGNATURE', () => {
    const events = [{ event: 'delivered', sg_message_id: 'AAAA.f.0', timestamp: 1 }]
    const good = signed(events)
    expect(parseSendGridEvents(good)).toHaveLength(1)
    const cases = [
      { ...good, body: good.body.replace('delivered', 'bounce') },
      { ...good, signature: signEvents(keyPair().privateKey, good.body, timestamp) },
      { ...good, signature: undefined },
      { ...good, timestamp: undefined },
    ]
    for (const input of cases) {
      expect(() => parseSendGridEvents(input)).toThrow(
        expect.objectContaining({ code: 'NOTIFY_INVALID_SIGNATURE', details: { reason: 'signature' } }),
      )
    }
    for (const at of [String(now / 1000 - 301), String(now / 1000 + 301)]) {
      expect(() => parseSendGridEvents(signed(events, at))).toThrow(
        expect.objectContaining({ code: 'NOTIFY_INVALID_SIGNATURE', details: { reason: 'timestamp' } }),
      )
    }
    expect(
      parseSendGridEvents({ ...signed(events, String(now / 1000 - 3_600)), toleranceMs: 7_200_000 }),
    ).toHaveLength(1)
    expect(parseSendGridEvents(signed(events, String(now / 1000 - 299)))).toHaveLength(1)
    expect(() => parseSendGridEvents(signed({ event: 'delivered' }))).toThrow(
      expect.objectContaining({ code: 'NOTIFY_INVALID_MESSAGE' }),
    )
  })
})

forEachDialect('SendGrid events → delivery log', ({ db }) => {
  let sendgrid: { fake: HttpFake; ids: string[] }
  beforeAll(async () => {
    sendgrid = await startSendgridFake()
  })
  afterAll(() => sendgrid.fake.stop())

  it('records the final event of each sent email on its delivery, matched through the X-Message-Id prefix', async () => {
    const keys = keyPair()
    const notifier = await createNotifier({
      db: db(),
      providers: {
        email: [
          createSendGridProvider({
            apiKey,
            from: 'no-reply@acme.test',
            baseUrl: sendgrid.fake.url,
            allowPrivateNetworks: true,
          }),
        ],
      },
    })
    const send = (email: string) =>
      notifier.send({ to: { email }, channels: ['email'], content: { subject: 'Hi', text: 'Hello' } })
    const delivered = await send('ada@example.com')
    const bounced = await send('nobody@example.com')
    const [first, second] = [delivered, bounced].map((r) => r.deliveries[0]?.providerMessageId as string)
    expect([first, second]).toEqual(sendgrid.ids.slice(-2))

    const at = Math.floor(Date.now() / 1000)
    const events = [
      {
        email: 'ada@example.com',
        timestamp: at - 5,
        event: 'processed',
        sg_event_id: 'p1',
        sg_message_id: `${first}.filterdrecv-5bd68b6b8d-abc12-1-5F5FC1D9-3.0`,
      },
      {
        email: 'nobody@example.com',
        timestamp: at - 4,
        event: 'bounce',
        type: 'bounce',
        status: '5.1.1',
        reason: '550 5.1.1 The email account does not exist',
        sg_event_id: 'b1',
        sg_message_id: `${second}.filterdrecv-5bd68b6b8d-abc12-1-5F5FC1D9-4.0`,
      },
      {
        email: 'ada@example.com',
        timestamp: at - 3,
        event: 'delivered',
        response: '250 2.0.0 OK',
        sg_event_id: 'd1',
        sg_message_id: `${first}.filterdrecv-5bd68b6b8d-abc12-1-5F5FC1D9-3.0`,
      },
      {
        email: 'someone@example.com',
        timestamp: at - 3,
        event: 'delivered',
        sg_event_id: 'x1',
        sg_message_id: 'NotSentByUs0000000000.filterdrecv-1.0',
      },
    ]
    const body = JSON.stringify(events)
    const receipts = parseSendGridEvents({
      body: Buffer.from(body),
      signature: signEvents(keys.privateKey, body, String(at)),
      timestamp: String(at),
      publicKey: keys.publicKey,
    })
    const recorded = []
    for (const receipt of receipts) recorded.push(await notifier.deliveries.recordReceipt(receipt))
    expect(recorded).toEqual([true, true, true, false])
    expect((await notifier.deliveries.get(delivered.id))?.deliveries[0]).toMatchObject({
      provider: 'sendgrid',
      status: 'sent',
      receipt: { status: 'delivered' },
    })
    expect((await notifier.deliveries.get(bounced.id))?.deliveries[0]).toMatchObject({
      status: 'sent',
      receipt: { status: 'bounce', errorCode: '5.1.1' },
    })
    await notifier.close()
  })
})
