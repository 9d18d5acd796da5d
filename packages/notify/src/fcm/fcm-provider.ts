import { importOptional } from '@opskit/core/internal'
import {
  missingOptionError,
  type NotifyError,
  providerError,
  throwIfAborted,
} from '../errors/notify-error.js'
import type { ProviderCallOptions } from '../providers/provider-common.js'
import type {
  DevicePlatform,
  PushMessage,
  PushProvider,
  PushResult,
  PushTokenResult,
} from '../providers/push-provider.js'
import type { FcmBatchResponse, FcmMessage, FcmMessagingLike } from './fcm-messaging.js'

/** Options of {@link createFcmProvider}: a messaging instance, or service-account credentials. */
export interface FcmProviderOptions {
  /** Provider name in the delivery log. @default 'fcm' */
  name?: string
  /** A ready `getMessaging(app)` (or any {@link FcmMessagingLike}); otherwise the credentials below are used. */
  messaging?: FcmMessagingLike
  /** Service account project id (with `clientEmail` and `privateKey`). */
  projectId?: string
  clientEmail?: string
  /** Service account private key (PEM; `\n` escapes are unfolded). */
  privateKey?: string
  /**
   * The platforms whose apps this Firebase project serves (e.g. `['web']` when the web app has a
   * project of its own); the notifier routes only those devices here.
   * @default ['android', 'ios', 'web']
   */
  platforms?: DevicePlatform[]
}

/** The most messages firebase-admin's `sendEach` accepts per call. */
export const FCM_BATCH_SIZE = 500

/**
 * firebase-admin's HTTP/2 `sendEach` rejects the whole call with a
 * `FirebaseMessagingSessionError` when the session fails (GOAWAY, reset), carrying
 * `pendingBatchResponse`: the per-message outcome once every stream settled. Returns it when it
 * is there and complete.
 */
async function pendingBatch(error: unknown, size: number): Promise<FcmBatchResponse | undefined> {
  const pending = (error as { pendingBatchResponse?: unknown } | null)?.pendingBatchResponse
  if (!pending || typeof (pending as PromiseLike<unknown>).then !== 'function') return undefined
  const batch = await Promise.resolve(pending as PromiseLike<FcmBatchResponse>).catch(() => undefined)
  return batch && Array.isArray(batch.responses) && batch.responses.length === size ? batch : undefined
}

const GONE = new Set(['messaging/registration-token-not-registered', 'messaging/invalid-registration-token'])
const RETRYABLE = new Set([
  'messaging/message-rate-exceeded',
  'messaging/device-message-rate-exceeded',
  'messaging/server-unavailable',
  'messaging/internal-error',
  'messaging/unknown-error',
  'messaging/quota-exceeded',
  // a stream that failed on the network (HTTP/2 stream reset, refused after a GOAWAY, timeout)
  'app/network-error',
  'app/network-timeout',
])

function toFcm(message: PushMessage, token: string): FcmMessage {
  const notification =
    message.title !== undefined || message.body !== undefined
      ? {
          ...(message.title !== undefined ? { title: message.title } : {}),
          ...(message.body !== undefined ? { body: message.body } : {}),
        }
      : undefined
  return {
    token,
    ...(notification ? { notification } : {}),
    ...(message.data ? { data: message.data } : {}),
    android: {
      priority: message.priority,
      ...(message.ttlMs === undefined ? {} : { ttl: message.ttlMs }),
      ...(message.collapseKey ? { collapseKey: message.collapseKey } : {}),
      ...(message.sound ? { notification: { sound: message.sound } } : {}),
    },
    apns: {
      headers: {
        'apns-priority': message.priority === 'high' && notification ? '10' : '5',
        ...(message.collapseKey ? { 'apns-collapse-id': message.collapseKey } : {}),
      },
      payload: {
        aps: {
          ...(message.badge === undefined ? {} : { badge: message.badge }),
          ...(message.sound ? { sound: message.sound } : {}),
          ...(notification ? {} : { 'content-available': 1 }),
        },
      },
    },
  }
}

/**
 * Initializes a firebase-admin app of its own from the service-account credentials and returns
 * its messaging; `onRelease` receives the function that deletes the app.
 */
async function openFirebaseMessaging(
  options: FcmProviderOptions,
  name: string,
  onRelease: (deleteApp: () => Promise<void>) => void,
): Promise<FcmMessagingLike> {
  const appModule = await importOptional<typeof import('firebase-admin/app')>(
    'firebase-admin/app',
    '@opskit/notify/fcm',
  )
  const messagingModule = await importOptional<typeof import('firebase-admin/messaging')>(
    'firebase-admin/messaging',
    '@opskit/notify/fcm',
  )
  const app = appModule.initializeApp(
    {
      credential: appModule.cert({
        projectId: options.projectId as string,
        clientEmail: options.clientEmail as string,
        privateKey: (options.privateKey as string).replace(/\\n/g, '\n'),
      }),
      projectId: options.projectId as string,
    },
    `opskit-notify-${name}-${Math.random().toString(36).slice(2)}`,
  )
  onRelease(() => appModule.deleteApp(app))
  return messagingModule.getMessaging(app) as unknown as FcmMessagingLike
}

/**
 * The error of a `sendEach` call that failed as a whole: retryable unless the credentials or the
 * app configuration are at fault.
 */
function sendEachError(provider: string, code: string, cause: unknown): NotifyError {
  return providerError({
    provider,
    retryable:
      RETRYABLE.has(code) ||
      (!code.startsWith('app/') &&
        code !== 'messaging/authentication-error' &&
        code !== 'messaging/mismatched-credential'),
    message: `sendEach failed (${code})`,
    providerCode: code,
    cause,
  })
}

/** The outcome of one token from its `sendEach` response (gone tokens are marked unregistered). */
function tokenResult(
  token: string,
  response: FcmBatchResponse['responses'][number] | undefined,
): PushTokenResult {
  if (response?.success) {
    return {
      token,
      ok: true,
      ...(response.messageId ? { providerMessageId: response.messageId } : {}),
    }
  }
  const code = response?.error?.code ?? 'messaging/unknown-error'
  const text = response?.error?.message ?? ''
  const gone =
    GONE.has(code) ||
    (code === 'messaging/invalid-argument' && /not a valid FCM registration token/i.test(text))
  return {
    token,
    ok: false,
    errorCode: code,
    errorMessage: text.slice(0, 200),
    ...(gone ? { unregistered: true } : {}),
    ...(RETRYABLE.has(code) ? { retryable: true } : {}),
  }
}

/**
 * A {@link PushProvider} on firebase-admin messaging: `sendEach` in batches of 500, per-token
 * results mapped index by index. `registration-token-not-registered`,
 * `invalid-registration-token` and the "not a valid FCM registration token" `invalid-argument`
 * mark a token gone (pruned); rate and availability errors are retryable per token.
 *
 * @example
 * ```ts
 * import { createFcmProvider } from '@opskit/notify/fcm'
 * const push = createFcmProvider({ projectId, clientEmail, privateKey })
 * ```
 */
export function createFcmProvider(options: FcmProviderOptions): PushProvider {
  const name = options.name ?? 'fcm'
  if (!options.messaging) {
    for (const key of ['projectId', 'clientEmail', 'privateKey'] as const) {
      if (!options[key]) throw missingOptionError('fcm', key)
    }
  }
  let messaging: Promise<FcmMessagingLike> | undefined = options.messaging
    ? Promise.resolve(options.messaging)
    : undefined
  let release: (() => Promise<void>) | undefined

  const open = (): Promise<FcmMessagingLike> => {
    messaging ??= openFirebaseMessaging(options, name, (deleteApp) => {
      release = deleteApp
    })
    return messaging
  }

  return {
    name,
    channel: 'push',
    // FCM delivers to Firebase registration tokens only; a raw APNs token is "not a valid FCM
    // registration token" and would be pruned if it were ever sent here
    capabilities: {
      maxBatchSize: FCM_BATCH_SIZE,
      platforms: options.platforms ?? ['android', 'ios', 'web'],
      tokenKinds: ['fcm'],
    },
    async send(message: PushMessage, callOptions?: ProviderCallOptions): Promise<PushResult> {
      const client = await open()
      const results: PushTokenResult[] = []
      for (let start = 0; start < message.tokens.length; start += FCM_BATCH_SIZE) {
        throwIfAborted(name, callOptions?.signal)
        const chunk = message.tokens.slice(start, start + FCM_BATCH_SIZE)
        let batch: FcmBatchResponse
        try {
          batch = await client.sendEach(chunk.map((token) => toFcm(message, token)))
        } catch (error) {
          const settled = await pendingBatch(error, chunk.length)
          if (settled) {
            // an HTTP/2 session error (GOAWAY, reset) after some streams were answered: keep
            // the per-token outcome so only the tokens that did not go out are retried
            batch = settled
          } else {
            const code = String((error as { code?: unknown }).code ?? 'ERROR')
            if (results.length > 0) {
              // earlier chunks went out: report the rest as retryable rather than resending those
              for (const token of chunk.concat(message.tokens.slice(start + FCM_BATCH_SIZE))) {
                results.push({
                  token,
                  ok: false,
                  errorCode: code,
                  errorMessage: 'batch failed',
                  retryable: true,
                })
              }
              break
            }
            throw sendEachError(name, code, error)
          }
        }
        chunk.forEach((token, index) => {
          results.push(tokenResult(token, batch.responses[index]))
        })
      }
      const first = results.find((result) => result.ok)
      return {
        tokens: results,
        ...(first?.providerMessageId ? { providerMessageId: first.providerMessageId } : {}),
      }
    },
    async close() {
      await release?.()
      release = undefined
      messaging = options.messaging ? Promise.resolve(options.messaging) : undefined
    },
  }
}
