import type { EmailMessage } from '../providers/email-provider.js'
import type { PushMessage } from '../providers/push-provider.js'
import type { SmsMessage } from '../providers/sms-provider.js'
import type { WebhookMessage } from '../providers/webhook-provider.js'
import type { MockProviders } from './mock-providers.js'

/** What {@link expectSent} looks for; every given field must match. */
export type SentExpectation =
  | {
      channel: 'email'
      to?: string
      subject?: string | RegExp
      text?: string | RegExp
      html?: string | RegExp
      count?: number
    }
  | { channel: 'sms'; to?: string; body?: string | RegExp; count?: number }
  | { channel: 'push'; token?: string; title?: string | RegExp; body?: string | RegExp; count?: number }
  | { channel: 'webhook'; url?: string; type?: string; count?: number }

const matches = (value: string | undefined, expected: string | RegExp | undefined): boolean =>
  expected === undefined ||
  (value !== undefined && (typeof expected === 'string' ? value.includes(expected) : expected.test(value)))

function describe(
  channel: string,
  message: EmailMessage | SmsMessage | PushMessage | WebhookMessage,
): string {
  switch (channel) {
    case 'email': {
      const m = message as EmailMessage
      return `to ${m.to.join(', ')} subject ${JSON.stringify(m.subject)}`
    }
    case 'sms': {
      const m = message as SmsMessage
      return `to ${m.to} body ${JSON.stringify(m.body.slice(0, 80))}`
    }
    case 'push': {
      const m = message as PushMessage
      return `tokens ${m.tokens.length} title ${JSON.stringify(m.title)} body ${JSON.stringify(m.body)}`
    }
    default: {
      const m = message as WebhookMessage
      return `${m.type} to ${m.url}`
    }
  }
}

/**
 * Asserts that the mocks sent matching messages (exactly `count` when given, else at least one)
 * and returns them. On failure it throws an error listing what was sent instead.
 *
 * @example
 * ```ts
 * expectSent(mocks, { channel: 'sms', to: '+14155550100', body: /code \d{6}/ })
 * ```
 */
export function expectSent(
  mocks: Pick<MockProviders, 'email' | 'sms' | 'push' | 'webhook'>,
  expected: SentExpectation,
): Array<EmailMessage | SmsMessage | PushMessage | WebhookMessage> {
  const sent: Array<EmailMessage | SmsMessage | PushMessage | WebhookMessage> = mocks[expected.channel].sent
  const found = sent.filter((message) => {
    switch (expected.channel) {
      case 'email': {
        const m = message as EmailMessage
        return (
          (expected.to === undefined || m.to.includes(expected.to)) &&
          matches(m.subject, expected.subject) &&
          matches(m.text, expected.text) &&
          matches(m.html, expected.html)
        )
      }
      case 'sms': {
        const m = message as SmsMessage
        return (expected.to === undefined || m.to === expected.to) && matches(m.body, expected.body)
      }
      case 'push': {
        const m = message as PushMessage
        return (
          (expected.token === undefined || m.tokens.includes(expected.token)) &&
          matches(m.title, expected.title) &&
          matches(m.body, expected.body)
        )
      }
      default: {
        const m = message as WebhookMessage
        return (
          (expected.url === undefined || m.url === expected.url) &&
          (expected.type === undefined || m.type === expected.type)
        )
      }
    }
  })
  const ok = expected.count === undefined ? found.length > 0 : found.length === expected.count
  if (!ok) {
    const { channel, count, ...criteria } = expected
    const list =
      sent.length === 0 ? '  (nothing)' : sent.map((m, i) => `  ${i + 1}. ${describe(channel, m)}`).join('\n')
    throw new Error(
      `expected ${count === undefined ? 'at least one' : count} ${channel} message(s) matching ${JSON.stringify(
        criteria,
        (_key, value) => (value instanceof RegExp ? String(value) : value),
      )}, found ${found.length}. Sent on ${channel}:\n${list}`,
    )
  }
  return found
}
