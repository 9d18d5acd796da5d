import { type HttpFake, startHttpFake } from '@opskit/test-support'

/** A loopback fake of Twilio's Messages API (2010-04-01) that checks Basic auth and parses the form body. */
export async function startTwilioFake(accountSid: string, authToken: string) {
  const fake: HttpFake = await startHttpFake()
  const accepted: Array<{ to: string; from: string; body: string; sid: string }> = []
  const expectedAuth = `Basic ${Buffer.from(`${accountSid}:${authToken}`).toString('base64')}`
  const unauthorized = {
    status: 401,
    body: {
      code: 20003,
      message: 'Authenticate',
      more_info: 'https://www.twilio.com/docs/errors/20003',
      status: 401,
    },
  }
  fake.route('POST', '/2010-04-01/Accounts/:sid/Messages.json', (request) => {
    if (request.headers.authorization !== expectedAuth || request.params.sid !== accountSid)
      return unauthorized
    const form = request.form()
    const to = form.get('To') ?? ''
    if (!/^\+[1-9]\d{6,14}$/.test(to) || to === '+15005550001') {
      return {
        status: 400,
        body: {
          code: 21211,
          message: `The 'To' number ${to} is not a valid phone number.`,
          more_info: 'https://www.twilio.com/docs/errors/21211',
          status: 400,
        },
      }
    }
    const body = form.get('Body') ?? ''
    const sid = `SM${String(accepted.length + 1).padStart(32, '0')}`
    accepted.push({ to, from: form.get('From') ?? '', body, sid })
    return {
      status: 201,
      body: {
        sid,
        account_sid: accountSid,
        to,
        from: form.get('From'),
        body,
        status: 'queued',
        num_segments: body.length > 160 ? String(Math.ceil(body.length / 153)) : '1',
        price: accepted.length % 2 === 0 ? '-0.00790' : null,
        price_unit: 'USD',
        direction: 'outbound-api',
        api_version: '2010-04-01',
        date_created: new Date().toUTCString(),
        uri: `/2010-04-01/Accounts/${accountSid}/Messages/${sid}.json`,
      },
    }
  })
  fake.route('GET', '/2010-04-01/Accounts/:sid.json', (request) => {
    if (request.headers.authorization !== expectedAuth) return unauthorized
    return {
      status: 200,
      body: { sid: request.params.sid, friendly_name: 'test', status: 'active', type: 'Full' },
    }
  })
  return {
    fake,
    accepted,
    rateLimitNext: (retryAfterSeconds: number) =>
      fake.enqueue('POST', '/2010-04-01/Accounts/:sid/Messages.json', {
        status: 429,
        headers: { 'retry-after': String(retryAfterSeconds) },
        body: {
          code: 20429,
          message: 'Too Many Requests',
          more_info: 'https://www.twilio.com/docs/errors/20429',
          status: 429,
        },
      }),
    serverErrorNext: () =>
      fake.enqueue('POST', '/2010-04-01/Accounts/:sid/Messages.json', {
        status: 503,
        body: {
          code: 20503,
          message: 'Service Unavailable',
          more_info: 'https://www.twilio.com/docs/errors/20503',
          status: 503,
        },
      }),
    invalidNumberNext: () =>
      fake.enqueue('POST', '/2010-04-01/Accounts/:sid/Messages.json', {
        status: 400,
        body: {
          code: 21211,
          message: "The 'To' number is not a valid phone number.",
          more_info: 'https://www.twilio.com/docs/errors/21211',
          status: 400,
        },
      }),
  }
}
