import { type NotifyError, providerError, throwIfAborted } from '../errors/notify-error.js'
import type { EmailMessage, EmailProvider } from '../providers/email-provider.js'
import type { ProvidersConfig } from '../providers/index.js'
import type { ProviderCallOptions, ProviderResult } from '../providers/provider-common.js'
import type {
  PushMessage,
  PushProvider,
  PushProviderCapabilities,
  PushResult,
} from '../providers/push-provider.js'
import type { SmsMessage, SmsProvider } from '../providers/sms-provider.js'
import type { WebhookMessage, WebhookProvider } from '../providers/webhook-provider.js'
import { countSmsSegments } from '../sms/segments.js'

/** How a scripted failure looks; see {@link MockControls.failNext}. */
export interface MockFailure {
  /** How many sends fail this way. @default 1 */
  times?: number
  /** Vendor code in the error. @default 'MOCK_TRANSIENT' / 'MOCK_PERMANENT' */
  code?: string | number
  /** Retry-After the failure asks for, in ms. */
  retryAfterMs?: number
  /** The recipient is invalid: no failover. @default false */
  recipientInvalid?: boolean
}

/** What every mock provider offers besides its interface. */
export interface MockControls<Message> {
  /** Messages accepted, in order. */
  readonly sent: Message[]
  /** Every call, including failed ones. */
  readonly calls: number
  /** Makes the next send(s) fail: `transient` (retryable) or `permanent`. */
  failNext(kind: 'transient' | 'permanent', failure?: MockFailure): void
  /** Forgets sent messages, calls and scripted failures. */
  reset(): void
}

/** A mock email provider. */
export type MockEmailProvider = EmailProvider & MockControls<EmailMessage>
/** A mock SMS provider. */
export type MockSmsProvider = SmsProvider & MockControls<SmsMessage>
/**
 * A mock push provider. Tokens starting with `unregistered` answer as gone (pruned), tokens
 * starting with `invalid` as `BadDeviceToken`; the others are accepted.
 */
export type MockPushProvider = PushProvider & MockControls<PushMessage>
/** A mock webhook provider. */
export type MockWebhookProvider = WebhookProvider & MockControls<WebhookMessage>

function controls<Message>(name: string) {
  const sent: Message[] = []
  const script: Array<{ kind: 'transient' | 'permanent'; failure: MockFailure }> = []
  let calls = 0
  let counter = 0
  return {
    sent,
    get calls() {
      return calls
    },
    failNext(kind: 'transient' | 'permanent', failure: MockFailure = {}) {
      for (let i = 0; i < (failure.times ?? 1); i++) script.push({ kind, failure })
    },
    reset() {
      sent.length = 0
      script.length = 0
      calls = 0
    },
    /** Counts a call and throws the next scripted failure, if any. */
    begin(options?: ProviderCallOptions): void {
      calls++
      throwIfAborted(name, options?.signal)
      const next = script.shift()
      if (next) throw failure(name, next.kind, next.failure)
    },
    nextId(prefix: string): string {
      counter++
      return `${prefix}${String(counter).padStart(8, '0')}`
    },
  }
}

function failure(name: string, kind: 'transient' | 'permanent', script: MockFailure): NotifyError {
  return providerError({
    provider: name,
    retryable: kind === 'transient',
    message: `scripted ${kind} failure`,
    providerCode: script.code ?? (kind === 'transient' ? 'MOCK_TRANSIENT' : 'MOCK_PERMANENT'),
    ...(script.retryAfterMs === undefined ? {} : { retryAfterMs: script.retryAfterMs }),
    ...(script.recipientInvalid ? { recipientInvalid: true } : {}),
  })
}

function expose<Message, P extends object>(
  state: ReturnType<typeof controls<Message>>,
  provider: P,
): P & MockControls<Message> {
  const mock = Object.assign(provider, { sent: state.sent, failNext: state.failNext, reset: state.reset })
  Object.defineProperty(mock, 'calls', { get: () => state.calls, enumerable: true })
  return mock as P & MockControls<Message>
}

/** A recording email provider for tests. */
export function createMockEmailProvider(name = 'mock-email'): MockEmailProvider {
  const state = controls<EmailMessage>(name)
  return expose<EmailMessage, EmailProvider>(state, {
    name,
    channel: 'email' as const,
    capabilities: { attachments: true },
    async send(message: EmailMessage, options?: ProviderCallOptions): Promise<ProviderResult> {
      state.begin(options)
      state.sent.push(structuredClone(message))
      return { providerMessageId: state.nextId('mock-email-') }
    },
    verify: async () => {},
    close: async () => {},
  })
}

/** A recording SMS provider for tests; it reports segments, not a price. */
export function createMockSmsProvider(name = 'mock-sms'): MockSmsProvider {
  const state = controls<SmsMessage>(name)
  return expose<SmsMessage, SmsProvider>(state, {
    name,
    channel: 'sms' as const,
    async send(message: SmsMessage, options?: ProviderCallOptions): Promise<ProviderResult> {
      state.begin(options)
      state.sent.push({ ...message })
      return { providerMessageId: state.nextId('SM'), segments: countSmsSegments(message.body).segments }
    },
    verify: async () => {},
    close: async () => {},
  })
}

/**
 * A recording push provider for tests; see {@link MockPushProvider} for scripted tokens. It serves
 * every device unless `serves` narrows it (to stand in for one vendor in a mixed chain).
 */
export function createMockPushProvider(
  name = 'mock-push',
  serves: Pick<PushProviderCapabilities, 'platforms' | 'tokenKinds'> = {},
): MockPushProvider {
  const state = controls<PushMessage>(name)
  return expose<PushMessage, PushProvider>(state, {
    name,
    channel: 'push' as const,
    capabilities: { maxBatchSize: 500, ...serves },
    async send(message: PushMessage, options?: ProviderCallOptions): Promise<PushResult> {
      state.begin(options)
      const accepted = message.tokens.filter((token) => !/^(unregistered|invalid)/.test(token))
      if (accepted.length > 0) state.sent.push({ ...message, tokens: accepted })
      return {
        tokens: message.tokens.map((token) => {
          if (token.startsWith('unregistered'))
            return {
              token,
              ok: false,
              errorCode: 'UNREGISTERED',
              errorMessage: 'token not registered',
              unregistered: true,
            }
          if (token.startsWith('invalid'))
            return { token, ok: false, errorCode: 'BadDeviceToken', errorMessage: 'bad device token' }
          return { token, ok: true, providerMessageId: state.nextId('push-') }
        }),
      }
    },
    verify: async () => {},
    close: async () => {},
  })
}

/** A recording webhook provider for tests. */
export function createMockWebhookProvider(name = 'mock-webhook'): MockWebhookProvider {
  const state = controls<WebhookMessage>(name)
  return expose<WebhookMessage, WebhookProvider>(state, {
    name,
    channel: 'webhook' as const,
    async send(message: WebhookMessage, options?: ProviderCallOptions): Promise<ProviderResult> {
      state.begin(options)
      state.sent.push(structuredClone(message))
      return { providerMessageId: message.idempotencyKey }
    },
    verify: async () => {},
    close: async () => {},
  })
}

/** One mock per channel, ready to pass as `providers`, with helpers over all of them. */
export interface MockProviders {
  email: MockEmailProvider
  sms: MockSmsProvider
  push: MockPushProvider
  webhook: MockWebhookProvider
  /** `{ email: [email], sms: [sms], push: [push], webhook: [webhook] }` for `createNotifier`. */
  providers: Required<ProvidersConfig>
  /** Resets every mock. */
  reset(): void
}

/**
 * A mock provider for every channel; `providers` is what `createNotifier` takes.
 *
 * @example
 * ```ts
 * const mocks = mockProviders()
 * const notifier = await createNotifier({ store: createMemoryNotifyStore(), providers: mocks.providers })
 * await notifier.send({ to: { email: 'a@example.com' }, channels: ['email'], content: { subject: 'Hi', text: 'Hello' } })
 * expectSent(mocks, { channel: 'email', to: 'a@example.com', subject: 'Hi' })
 * ```
 */
export function mockProviders(): MockProviders {
  const email = createMockEmailProvider()
  const sms = createMockSmsProvider()
  const push = createMockPushProvider()
  const webhook = createMockWebhookProvider()
  return {
    email,
    sms,
    push,
    webhook,
    providers: { email: [email], sms: [sms], push: [push], webhook: [webhook] },
    reset() {
      email.reset()
      sms.reset()
      push.reset()
      webhook.reset()
    },
  }
}
