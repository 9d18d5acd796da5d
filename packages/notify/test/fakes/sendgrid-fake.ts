import { startHttpFake } from '@opskit/test-support'

/** The API key the fake accepts. */
export const apiKey = 'SG.test-key-0123456789'

/** The parts of a v3 `mail/send` body the tests read. */
export interface SendgridBody {
  personalizations: Array<{ to: Array<{ email: string }> }>
  from: { email: string; name?: string }
  subject: string
  content: Array<{ type: string; value: string }>
  attachments?: Array<{ content: string; filename: string; type?: string }>
  headers?: Record<string, string>
  custom_args?: Record<string, string>
  tracking_settings?: {
    click_tracking?: { enable: boolean; enable_text?: boolean }
    open_tracking?: { enable: boolean }
  }
}

/**
 * A loopback fake of SendGrid's v3 `POST /v3/mail/send` (bearer key checked, 202 with
 * `X-Message-Id`, 400 `errors[]` for a bad address) and `GET /v3/scopes`.
 */
export async function startSendgridFake() {
  const fake = await startHttpFake()
  const accepted: SendgridBody[] = []
  fake.route('POST', '/v3/mail/send', (request) => {
    if (request.headers.authorization !== `Bearer ${apiKey}`) {
      return {
        status: 401,
        body: {
          errors: [
            { field: null, message: 'The provided authorization grant is invalid, expired, or revoked' },
          ],
        },
      }
    }
    const body = request.json<SendgridBody>()
    if (!body.personalizations?.[0]?.to?.[0]?.email?.includes('@')) {
      return {
        status: 400,
        body: {
          errors: [{ field: 'personalizations.0.to.0.email', message: 'Does not contain a valid address.' }],
        },
      }
    }
    accepted.push(body)
    return { status: 202, headers: { 'x-message-id': `sg-${accepted.length}` }, body: '' }
  })
  fake.route('GET', '/v3/scopes', (request) =>
    request.headers.authorization === `Bearer ${apiKey}`
      ? { status: 200, body: { scopes: ['mail.send'] } }
      : { status: 401, body: { errors: [{ message: 'unauthorized' }] } },
  )
  return { fake, accepted }
}
