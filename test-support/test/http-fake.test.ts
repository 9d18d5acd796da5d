import { connect } from 'node:http2'
import { afterEach, describe, expect, it } from 'vitest'
import { type HttpFake, startHttpFake } from '../src/index.js'

const fakes: HttpFake[] = []
afterEach(async () => {
  for (const fake of fakes.splice(0)) await fake.stop()
})

describe('startHttpFake (HTTP/1.1)', () => {
  it('routes by method and path pattern, records requests and parses bodies', async () => {
    const fake = await startHttpFake()
    fakes.push(fake)
    fake.route('POST', '/2010-04-01/Accounts/:sid/Messages.json', (req) => ({
      status: 201,
      body: { sid: 'SM1', account: req.params.sid, to: req.form().get('To') },
    }))
    const response = await fetch(`${fake.url}/2010-04-01/Accounts/AC123/Messages.json?x=1`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'To=%2B15005550006&Body=hi',
    })
    expect(response.status).toBe(201)
    expect(await response.json()).toEqual({ sid: 'SM1', account: 'AC123', to: '+15005550006' })
    expect(fake.requests).toHaveLength(1)
    expect(fake.requests[0]?.query.get('x')).toBe('1')
    expect(fake.requests[0]?.headers['content-type']).toBe('application/x-www-form-urlencoded')
  })

  it('answers queued responses first, then the handler; unknown routes get 404', async () => {
    const fake = await startHttpFake()
    fakes.push(fake)
    fake.route('POST', '/v3/mail/send', () => ({ status: 202, headers: { 'x-message-id': 'abc' } }))
    fake.enqueue('POST', '/v3/mail/send', {
      status: 429,
      headers: { 'retry-after': '2' },
      body: { errors: [] },
    })
    const first = await fetch(`${fake.url}/v3/mail/send`, { method: 'POST', body: '{}' })
    const second = await fetch(`${fake.url}/v3/mail/send`, { method: 'POST', body: '{}' })
    const missing = await fetch(`${fake.url}/nope`)
    expect([first.status, first.headers.get('retry-after')]).toEqual([429, '2'])
    expect([second.status, second.headers.get('x-message-id')]).toEqual([202, 'abc'])
    expect(missing.status).toBe(404)
  })

  it('queues responses for a parameterised route when given a concrete path it matches', async () => {
    const fake = await startHttpFake()
    fakes.push(fake)
    fake.route('POST', '/3/device/:token', (req) => ({ status: 200, body: { token: req.params.token } }))
    fake.enqueue('POST', '/3/device/abc', { status: 429, headers: { 'retry-after': '1' } })
    const queued = await fetch(`${fake.url}/3/device/abc`, { method: 'POST' })
    const handled = await fetch(`${fake.url}/3/device/abc`, { method: 'POST' })
    expect(queued.status).toBe(429)
    expect(await handled.json()).toEqual({ token: 'abc' })
  })
})

describe('startHttpFake (HTTP/2)', () => {
  it('serves h2c and counts sessions so tests can check connection reuse', async () => {
    const fake = await startHttpFake({ http2: true })
    fakes.push(fake)
    fake.route('POST', '/3/device/:token', (req) =>
      req.params.token === 'dead'
        ? { status: 410, body: { reason: 'Unregistered', timestamp: 1 } }
        : { status: 200 },
    )
    const session = connect(fake.url)
    const post = (token: string) =>
      new Promise<number>((resolve, reject) => {
        const stream = session.request({
          ':method': 'POST',
          ':path': `/3/device/${token}`,
          'apns-topic': 'app',
        })
        stream.on('response', (headers) => resolve(Number(headers[':status'])))
        stream.on('error', reject)
        stream.resume()
        stream.end('{}')
      })
    expect(await post('good')).toBe(200)
    expect(await post('dead')).toBe(410)
    session.close()
    expect(fake.sessions).toBe(1)
    expect(fake.requests.map((r) => [r.path, r.headers['apns-topic'], r.sessionId])).toEqual([
      ['/3/device/good', 'app', 1],
      ['/3/device/dead', 'app', 1],
    ])
  })
})
