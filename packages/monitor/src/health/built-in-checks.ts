import { connect } from 'node:net'
import type { HostDatabase } from '@opskit/core'
import { sql } from 'kysely'
import type { HealthCheck, HealthCheckResult } from './health-check.js'

function dependency(
  componentType: 'datastore' | 'component',
  run: (signal: AbortSignal) => Promise<HealthCheckResult | undefined>,
): HealthCheck {
  return Object.assign(run, { dependency: { componentType } }) as HealthCheck
}

function safeOutput(error: unknown): string {
  const e = error as { code?: unknown; name?: unknown }
  if (typeof e?.code === 'string' && /^[A-Z0-9_]+$/.test(e.code)) return e.code
  return typeof e?.name === 'string' ? e.name : 'check failed'
}

async function timed(run: () => Promise<void>): Promise<HealthCheckResult> {
  const start = performance.now()
  try {
    await run()
  } catch (error) {
    throw Object.assign(new Error(safeOutput(error)), { code: safeOutput(error) })
  }
  return { observedValue: Math.round((performance.now() - start) * 100) / 100, observedUnit: 'ms' }
}

/** Built-in dependency checks. */
export const checks = {
  /** `SELECT 1` on the host's PostgreSQL through Kysely. */
  postgres(db: HostDatabase): HealthCheck {
    return dependency('datastore', () => timed(async () => void (await sql`select 1`.execute(db))))
  },
  /** `SELECT 1` on the host's SQLite through Kysely. */
  sqlite(db: HostDatabase): HealthCheck {
    return dependency('datastore', () => timed(async () => void (await sql`select 1`.execute(db))))
  },
  /**
   * A Redis `PING` over raw TCP (RESP), with optional `AUTH`; passes on `+PONG`. No Redis
   * client library is needed.
   */
  redis(options: { host?: string; port?: number; password?: string; username?: string }): HealthCheck {
    return dependency('datastore', (signal) =>
      timed(
        () =>
          new Promise<void>((resolve, reject) => {
            const socket = connect({ host: options.host ?? '127.0.0.1', port: options.port ?? 6379 })
            let buffer = ''
            const expected = options.password === undefined ? ['+PONG'] : ['+OK', '+PONG']
            const done = (error?: Error) => {
              signal.removeEventListener('abort', onAbort)
              socket.destroy()
              if (error) reject(error)
              else resolve()
            }
            const onAbort = () => done(Object.assign(new Error('aborted'), { code: 'TIMEOUT' }))
            signal.addEventListener('abort', onAbort, { once: true })
            const bulk = (parts: string[]) =>
              `*${parts.length}\r\n${parts.map((p) => `$${Buffer.byteLength(p)}\r\n${p}\r\n`).join('')}`
            socket.on('connect', () => {
              if (options.password !== undefined) {
                socket.write(
                  bulk(
                    options.username
                      ? ['AUTH', options.username, options.password]
                      : ['AUTH', options.password],
                  ),
                )
              }
              socket.write(bulk(['PING']))
            })
            socket.on('data', (chunk: Buffer) => {
              buffer += chunk.toString('utf8')
              const lines = buffer.split('\r\n')
              for (let i = 0; i < lines.length - 1 && expected.length > 0; i++) {
                const line = lines[i] as string
                if (line !== expected[0]) {
                  return done(
                    Object.assign(new Error('unexpected reply'), {
                      code: line.startsWith('-') ? 'REDIS_ERROR' : 'REDIS_BAD_REPLY',
                    }),
                  )
                }
                expected.shift()
              }
              if (expected.length === 0) done()
              else buffer = lines[lines.length - 1] as string
            })
            socket.on('error', (error) => done(error))
            socket.on('close', () => {
              if (expected.length > 0) done(Object.assign(new Error('closed'), { code: 'ECONNRESET' }))
            })
          }),
      ),
    )
  },
  /** An HTTP GET that passes on the expected status (default: any 2xx). */
  http(options: { url: string; expectStatus?: number; headers?: Record<string, string> }): HealthCheck {
    return dependency('component', (signal) =>
      timed(async () => {
        const response = await fetch(options.url, {
          ...(options.headers ? { headers: options.headers } : {}),
          signal,
          redirect: 'manual',
        })
        await response.body?.cancel()
        const ok = options.expectStatus === undefined ? response.ok : response.status === options.expectStatus
        if (!ok) throw Object.assign(new Error('bad status'), { code: `HTTP_${response.status}` })
      }),
    )
  },
}
