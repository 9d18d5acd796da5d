import type { PushMessage, PushProvider, PushResult, SmsMessage, SmsProvider } from '@opskit/notify'

/**
 * SMS and push providers that record what they are asked to send instead of calling Twilio or
 * FCM: the example runs with no credentials and no network. A real host swaps them for
 * `@opskit/notify/twilio` and `@opskit/notify/fcm`; the notifier does not change.
 */
export interface RecordingProviders {
  sms: SmsProvider & { readonly sent: SmsMessage[] }
  push: PushProvider & { readonly sent: PushMessage[] }
}

/** Builds the recording SMS and push providers. */
export function createRecordingProviders(): RecordingProviders {
  const sms: SmsMessage[] = []
  const push: PushMessage[] = []
  let counter = 0
  return {
    sms: {
      name: 'recording-sms',
      channel: 'sms',
      sent: sms,
      async send(message) {
        sms.push(message)
        return { providerMessageId: `SM${String(++counter).padStart(32, '0')}`, segments: 1 }
      },
    },
    push: {
      name: 'recording-push',
      channel: 'push',
      sent: push,
      async send(message): Promise<PushResult> {
        push.push(message)
        return {
          tokens: message.tokens.map((token) => ({
            token,
            ok: true,
            providerMessageId: `push-${++counter}`,
          })),
        }
      },
    },
  }
}
