import type { ServerResponse } from 'node:http'
import type { RouteContext } from '../http/router.js'
import type { OpsDeps } from './ops-deps.js'
import type { OpsSession } from './ops-session.js'

const HEARTBEAT_MS = 15_000

/** The operator page's Server-Sent Events: latency points and alert changes, pushed to every open page. */
export interface OpsEventStream {
  /** Sends one event to every open stream. */
  broadcast(event: string, data: unknown): void
  /** Turns the response of `GET /ops/events` into a stream that ends with its session. */
  open(ctx: RouteContext, session: OpsSession): void
  /** Ends the streams opened with the session `token` (at logout). */
  endSession(token: string): void
  /** Stops the subscriptions and the heartbeat, ends every stream. */
  close(): void
}

/** Starts the {@link OpsEventStream}: subscribes to the latency sampler and the alerts. */
export function createOpsEventStream(deps: Pick<OpsDeps, 'latency' | 'alerts'>): OpsEventStream {
  const streams = new Set<{ res: ServerResponse; token: string }>()
  const broadcast = (event: string, data: unknown) => {
    const frame = `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`
    for (const stream of streams) stream.res.write(frame)
  }
  const unsubscribeLatency = deps.latency.subscribe((point) => broadcast('latency', point))
  const unsubscribe = deps.alerts.subscribe((update) => broadcast('alerts', { type: update.type }))
  const heartbeat = setInterval(() => {
    for (const stream of streams) stream.res.write(': keep-alive\n\n')
  }, HEARTBEAT_MS)
  heartbeat.unref()

  return {
    broadcast,
    open(ctx, session) {
      ctx.res.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-store',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
      })
      ctx.res.write('retry: 2000\n\n')
      const stream = { res: ctx.res, token: session.token }
      streams.add(stream)
      // The stream ends with its session: a client must log in again to keep receiving updates.
      const expiry = setTimeout(() => ctx.res.end(), Math.max(0, session.expiresAt.getTime() - Date.now()))
      expiry.unref()
      ctx.req.on('close', () => {
        clearTimeout(expiry)
        streams.delete(stream)
      })
    },
    endSession(token) {
      for (const stream of streams) if (stream.token === token) stream.res.end()
    },
    close() {
      unsubscribeLatency()
      unsubscribe()
      clearInterval(heartbeat)
      for (const stream of streams) stream.res.end()
      streams.clear()
    },
  }
}
