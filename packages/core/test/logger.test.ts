import { Writable } from 'node:stream'
import { describe, expect, it } from 'vitest'
import { type CoreError, isOpskitError, noopLogger, secretRedactPaths } from '../src/index.js'
import { importOptional } from '../src/internal/index.js'
import { createPinoLogger } from '../src/pino/index.js'
import { createMemoryLogger } from '../src/testing/index.js'

function captureLines() {
  const lines: string[] = []
  const destination = new Writable({
    write(chunk, _encoding, callback) {
      lines.push(...String(chunk).split('\n').filter(Boolean))
      callback()
    },
  })
  return { lines, destination }
}

describe('loggers', () => {
  it('the no-op logger accepts every call', () => {
    noopLogger.info({ a: 1 }, 'x')
    noopLogger.child({ b: 2 }).error('y')
  })

  it('the pino adapter hides secrets at any of the first levels and in headers', () => {
    const { lines, destination } = captureLines()
    const logger = createPinoLogger({ destination, level: 'debug' })
    logger.info(
      {
        password: 'hunter2',
        apiKey: 'SG.secret',
        provider: { authToken: 'twilio-token', privateKey: '-----BEGIN' },
        config: { smtp: { password: 'smtp-pass', host: 'mail' } },
        req: { headers: { authorization: 'Basic abc', cookie: 'sid=1', 'user-agent': 'curl' } },
        user: 'alice',
      },
      'sending',
    )
    logger.child({ component: 'notify' }).warn({ token: 'abc123' }, 'child line')
    const text = lines.join('\n')
    for (const secret of [
      'hunter2',
      'SG.secret',
      'twilio-token',
      'BEGIN',
      'smtp-pass',
      'Basic abc',
      'sid=1',
      'abc123',
    ]) {
      expect(text).not.toContain(secret)
    }
    const first = JSON.parse(lines[0] as string)
    expect(first.user).toBe('alice')
    expect(first.config.smtp.host).toBe('mail')
    expect(first.req.headers['user-agent']).toBe('curl')
    expect(first.password).toBe('[Redacted]')
    expect(JSON.parse(lines[1] as string).component).toBe('notify')
  })

  it('accepts extra redact paths', () => {
    expect(secretRedactPaths(['card.number'])).toContain('card.number')
    const { lines, destination } = captureLines()
    createPinoLogger({ destination, redact: ['card.number'] }).info({
      card: { number: '4242', brand: 'visa' },
    })
    expect(lines[0]).not.toContain('4242')
    expect(lines[0]).toContain('visa')
  })

  it('the memory logger records lines with child bindings', () => {
    const logger = createMemoryLogger()
    logger.child({ requestId: 'r1' }).info({ n: 1 }, 'hello')
    logger.error('plain')
    expect(logger.records).toEqual([
      { level: 'info', msg: 'hello', fields: { requestId: 'r1', n: 1 } },
      { level: 'error', msg: 'plain', fields: {} },
    ])
  })
})

describe('importOptional', () => {
  it('loads an installed module', async () => {
    const mod = await importOptional<typeof import('node:path')>('node:path', 'test')
    expect(typeof mod.join).toBe('function')
  })

  it('says how to install a missing one', async () => {
    let caught: unknown
    try {
      await importOptional('opskit-definitely-missing-module', '@opskit/notify/smtp')
    } catch (error) {
      caught = error
    }
    expect(isOpskitError(caught, 'CORE_OPTIONAL_DEPENDENCY_MISSING')).toBe(true)
    expect((caught as CoreError).message).toContain('npm install opskit-definitely-missing-module')
  })
})
