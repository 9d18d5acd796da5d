import { isOpskitError } from '@opskit/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { providerError } from '../../errors/notify-error.js'
import type { EmailMessage, EmailProvider } from '../../providers/email-provider.js'
import type { ProviderCallOptions, ProviderResult } from '../../providers/provider-common.js'
import type { PushMessage, PushProvider, PushResult } from '../../providers/push-provider.js'
import type { SmsMessage, SmsProvider } from '../../providers/sms-provider.js'
import type { WebhookMessage, WebhookProvider } from '../../providers/webhook-provider.js'

/** What a conformance suite needs to drive one provider and see what reached its backend. */
export interface ProviderHarness<P, Received> {
  provider: P
  /** What the backend (fake server, mock) received so far, in order. */
  received(): Promise<Received[]> | Received[]
  /** Makes the backend refuse the next send with a transient (retryable) or permanent failure. */
  failNext(kind: 'transient' | 'permanent'): Promise<void> | void
  /**
   * Builds a provider for the same backend whose `verify()` must fail: wrong credentials, or an
   * address where nothing listens. Required when the provider has `verify()`; without it the
   * suite reports the verify-failure case as skipped (mocks, whose `verify()` checks nothing).
   */
  misconfigured?(): Promise<P> | P
  /** Stops the backend after the suite. */
  close?(): Promise<void>
}

/** Options of the `run…ProviderConformance` suites. */
export interface ProviderConformanceOptions<P, Received> {
  /** Shown in the test names. */
  name: string
  /** Builds a fresh provider and its backend. */
  create(): Promise<ProviderHarness<P, Received>>
}

/** An email as the backend saw it. */
export interface ReceivedEmail {
  to: string[]
  subject: string
  text?: string
  html?: string
}

/** An SMS as the backend saw it. */
export interface ReceivedSms {
  to: string
  body: string
}

/** A push as the backend saw it (one entry per token). */
export interface ReceivedPush {
  token: string
  title?: string | undefined
  body?: string | undefined
}

/** A webhook as the receiver saw it. */
export interface ReceivedWebhook {
  url?: string
  type: string
  data: Record<string, unknown>
  webhookId?: string
}

interface Sample<P, Message, Result, Received> {
  channel: string
  messages: [Message, Message, Message]
  send(provider: P, message: Message, callOptions?: ProviderCallOptions): Promise<Result>
  check(received: Received[], message: Message): void
  count(received: Received[]): number
}

function runConformance<
  P extends { name: string; channel: string; verify?: () => Promise<void>; close?: () => Promise<void> },
  Message,
  Result extends ProviderResult,
  Received,
>(options: ProviderConformanceOptions<P, Received>, sample: Sample<P, Message, Result, Received>): void {
  describe(`${sample.channel} provider conformance: ${options.name}`, () => {
    let harness: ProviderHarness<P, Received>
    beforeAll(async () => {
      harness = await options.create()
    })
    afterAll(async () => {
      await harness?.provider.close?.()
      await harness?.close?.()
    })

    it('has a name and the right channel', () => {
      expect(typeof harness.provider.name).toBe('string')
      expect(harness.provider.name.length).toBeGreaterThan(0)
      expect(harness.provider.channel).toBe(sample.channel)
    })

    it('delivers a message that reaches the backend as sent', async () => {
      const before = sample.count(await harness.received())
      await sample.send(harness.provider, sample.messages[0])
      const received = await harness.received()
      expect(sample.count(received)).toBe(before + 1)
      sample.check(received, sample.messages[0])
    })

    it('throws a retryable NotifyError on a transient failure, and delivers nothing', async () => {
      const before = sample.count(await harness.received())
      await harness.failNext('transient')
      const error = await sample.send(harness.provider, sample.messages[1]).then(
        () => undefined,
        (caught: unknown) => caught,
      )
      expect(isOpskitError(error, 'NOTIFY_PROVIDER_TRANSIENT')).toBe(true)
      expect((error as { retryable: boolean }).retryable).toBe(true)
      expect(sample.count(await harness.received())).toBe(before)
    })

    it('throws a permanent NotifyError on a permanent failure, and delivers nothing', async () => {
      const before = sample.count(await harness.received())
      await harness.failNext('permanent')
      const error = await sample.send(harness.provider, sample.messages[1]).then(
        () => undefined,
        (caught: unknown) => caught,
      )
      expect(isOpskitError(error, 'NOTIFY_PROVIDER_PERMANENT')).toBe(true)
      expect((error as { retryable: boolean }).retryable).toBe(false)
      expect(sample.count(await harness.received())).toBe(before)
    })

    it('throws a retryable NotifyError when the call is already aborted, and delivers nothing', async () => {
      const before = sample.count(await harness.received())
      const error = await sample
        .send(harness.provider, sample.messages[2], { signal: AbortSignal.abort() })
        .then(
          () => undefined,
          (caught: unknown) => caught,
        )
      expect(isOpskitError(error, 'NOTIFY_PROVIDER_TRANSIENT')).toBe(true)
      expect((error as { details: { providerCode?: unknown } }).details.providerCode).toBe('ABORTED')
      expect(sample.count(await harness.received())).toBe(before)
    })

    it('delivers again after failures', async () => {
      const before = sample.count(await harness.received())
      await sample.send(harness.provider, sample.messages[2])
      const received = await harness.received()
      expect(sample.count(received)).toBe(before + 1)
      sample.check(received, sample.messages[2])
    })

    it('verifies a healthy backend without sending', async (context) => {
      if (!harness.provider.verify) context.skip('the provider has no verify()')
      const before = sample.count(await harness.received())
      await harness.provider.verify?.()
      expect(sample.count(await harness.received())).toBe(before)
    })

    it('verify() rejects with a NotifyError when credentials are refused or the backend is down', async (context) => {
      if (!harness.provider.verify) context.skip('the provider has no verify()')
      if (!harness.misconfigured) context.skip('the harness cannot make verify() fail')
      const broken = (await harness.misconfigured?.()) as P
      try {
        const before = sample.count(await harness.received())
        const error = await broken.verify?.().then(
          () => undefined,
          (caught: unknown) => caught,
        )
        expect(
          isOpskitError(error),
          `verify() passed against a misconfigured ${sample.channel} backend`,
        ).toBe(true)
        expect(sample.count(await harness.received())).toBe(before)
      } finally {
        await broken.close?.()
      }
    })
  })
}

/**
 * The conformance suite every {@link EmailProvider} passes (mocks and real adapters on fakes).
 *
 * @example
 * ```ts
 * runEmailProviderConformance({ name: 'smtp', create: async () => ({ provider, received, failNext }) })
 * ```
 */
export function runEmailProviderConformance(
  options: ProviderConformanceOptions<EmailProvider, ReceivedEmail>,
): void {
  const message = (n: number): EmailMessage => ({
    to: [`user${n}@example.com`],
    subject: `Conformance ${n} – café`,
    text: `Hello ${n}`,
    html: `<p>Hello <b>${n}</b></p>`,
    idempotencyKey: `conformance-email-${n}`,
  })
  runConformance(options, {
    channel: 'email',
    messages: [message(1), message(2), message(3)],
    send: (provider, m, callOptions) => provider.send(m, callOptions),
    count: (received) => received.length,
    check(received, m) {
      const last = received.at(-1) as ReceivedEmail
      expect(last.to).toEqual(m.to)
      expect(last.subject).toBe(m.subject)
      expect(last.text?.trim()).toBe(m.text)
      expect(last.html).toContain('<b>')
    },
  })
}

/** The conformance suite every {@link SmsProvider} passes. */
export function runSmsProviderConformance(
  options: ProviderConformanceOptions<SmsProvider, ReceivedSms>,
): void {
  const message = (n: number): SmsMessage => ({
    to: `+1415555010${n}`,
    body: `Your code is 00000${n} ✓`,
    idempotencyKey: `conformance-sms-${n}`,
  })
  runConformance(options, {
    channel: 'sms',
    messages: [message(1), message(2), message(3)],
    send: (provider, m, callOptions) => provider.send(m, callOptions),
    count: (received) => received.length,
    check(received, m) {
      const last = received.at(-1) as ReceivedSms
      expect(last).toEqual({ to: m.to, body: m.body })
    },
  })
}

/** The conformance suite every {@link PushProvider} passes. */
export function runPushProviderConformance(
  options: ProviderConformanceOptions<PushProvider, ReceivedPush>,
): void {
  const message = (n: number): PushMessage => ({
    tokens: [`a1b2c3d4e5f6${n}${n}${n}${n}`],
    title: `Title ${n}`,
    body: `Body ${n}`,
    data: { n: String(n) },
    priority: 'high',
    idempotencyKey: `conformance-push-${n}`,
  })
  runConformance(options, {
    channel: 'push',
    messages: [message(1), message(2), message(3)],
    async send(provider, m, callOptions): Promise<PushResult> {
      const result = await provider.send(m, callOptions)
      expect(result.tokens.map((token) => token.token)).toEqual(m.tokens)
      // a provider may report a failed token instead of throwing: treat a lone failed token as the send failing
      const only = result.tokens[0]
      if (result.tokens.length === 1 && only && !only.ok) {
        throw providerError({
          provider: provider.name,
          retryable: only.retryable === true,
          message: only.errorMessage ?? 'token failed',
          providerCode: only.errorCode ?? 'FAILED',
        })
      }
      return result
    },
    count: (received) => received.length,
    check(received, m) {
      const last = received.at(-1) as ReceivedPush
      expect(last).toEqual({ token: m.tokens[0], title: m.title, body: m.body })
    },
  })
}

/** The conformance suite every {@link WebhookProvider} passes. */
export function runWebhookProviderConformance(
  options: ProviderConformanceOptions<WebhookProvider, ReceivedWebhook> & { url: () => string },
): void {
  const message = (n: number): WebhookMessage => ({
    url: '',
    type: 'conformance.test',
    data: { n, note: 'ünïcode' },
    idempotencyKey: `msg_conformance_${n}`,
  })
  runConformance(options, {
    channel: 'webhook',
    messages: [message(1), message(2), message(3)],
    send: (provider, m, callOptions) => provider.send({ ...m, url: options.url() }, callOptions),
    count: (received) => received.length,
    check(received, m) {
      const last = received.at(-1) as ReceivedWebhook
      expect(last.type).toBe(m.type)
      expect(last.data).toEqual(m.data)
      if (last.webhookId !== undefined) expect(last.webhookId).toBe(m.idempotencyKey)
    },
  })
}
