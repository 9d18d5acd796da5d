import type { IncomingMessage } from 'node:http'
import { context, TraceFlags, trace } from '@opentelemetry/api'
import { type OpenMetricsContentType, Registry } from 'prom-client'
import { describe, expect, it } from 'vitest'
import {
  createMonitor,
  type FastifyReplyLike,
  type FastifyRequestLike,
  type Monitor,
  startTracing,
} from '../src/index.js'
import { harness, M, recordingChannel } from './helpers/dispatch.js'

describe('manual resolve and incident updates', () => {
  it('resolving by hand closes the incident, silences its alerts until the condition clears, and notifies resolution', async () => {
    const h = harness(
      { receiver: 'team', groupBy: ['alertname'], groupWait: '30s', groupInterval: '5m' },
      { team: (c) => [recordingChannel(c, true)] },
    )
    const alert = h.fire({ alertname: 'Disk', host: 'db-1' })
    await h.at(M)
    const [incident] = h.dispatcher.incidents.list()
    expect(incident?.status).toBe('triggered')
    const noted = await h.dispatcher.incidents.note(incident?.id as string, {
      assignee: 'ana',
      note: 'looking',
      by: 'bob',
    })
    expect(noted.assignee).toBe('ana')
    expect(noted.timeline.at(-1)).toMatchObject({ type: 'note', text: 'looking', by: 'bob' })
    const resolved = await h.dispatcher.incidents.resolve(incident?.id as string, 'ana')
    expect(resolved).toMatchObject({ status: 'resolved', resolution: 'manual', resolvedBy: 'ana' })
    expect(resolved.manualSilenceId).toBeDefined()
    const silence = h.silences.get(resolved.manualSilenceId as string)
    expect(h.silences.state(silence as NonNullable<typeof silence>)).toBe('active')
    // resolution-aware receivers are told at once; the alert keeps firing but is silenced, so the
    // next flush sends nothing more
    const sent = h.channels.get('team')?.[0]?.sent ?? []
    expect(sent.map((s) => [s.notification.reason, s.notification.status])).toEqual([
      ['first notification', 'firing'],
      ['all alerts resolved', 'resolved'],
    ])
    h.fire(alert.labels, alert.startsAt)
    await h.at(6 * M)
    expect(sent).toHaveLength(2)
    // the condition clears: the manual silence expires, so a later re-fire pages again
    h.resolveAlert(alert.labels, alert.startsAt)
    await h.at(12 * M)
    expect(
      h.silences.state(h.silences.get(resolved.manualSilenceId as string) as NonNullable<typeof silence>),
    ).toBe('expired')
    h.fire(alert.labels)
    await h.at(13 * M)
    expect(sent.map((s) => s.notification.reason)).toEqual([
      'first notification',
      'all alerts resolved',
      'first notification',
    ])
    const incidents = h.dispatcher.incidents.list()
    expect(incidents).toHaveLength(2)
    expect(incidents[0]?.status).toBe('triggered')
  })

  it('errors on unknown incidents', async () => {
    const h = harness({ receiver: 'team' }, { team: (c) => [recordingChannel(c)] })
    await expect(h.dispatcher.incidents.acknowledge('nope', 'ana')).rejects.toMatchObject({
      code: 'MONITOR_NOT_FOUND',
    })
    await expect(h.dispatcher.incidents.resolve('nope', 'ana')).rejects.toMatchObject({
      code: 'MONITOR_NOT_FOUND',
    })
  })
})

type FastifyHook = (request: FastifyRequestLike, reply: FastifyReplyLike, done: () => void) => void

/** Registers the monitor's Fastify plugin on a stand-in instance and returns its hooks. */
async function fastifyHooks(monitor: Monitor): Promise<Record<string, FastifyHook>> {
  const hooks: Record<string, FastifyHook> = {}
  await new Promise<void>((resolve) =>
    monitor.http.fastifyPlugin(
      {
        addHook: (name: string, hook: FastifyHook) => {
          hooks[name] = hook
        },
      } as never,
      {},
      resolve,
    ),
  )
  return hooks
}

describe('Fastify plugin', () => {
  it('registers onRequest/onResponse hooks that label by routeOptions.url and skip encapsulation', async () => {
    const monitor = await createMonitor({ serviceName: 's', defaultMetrics: false })
    expect(monitor.http.fastifyPlugin[Symbol.for('skip-override')]).toBe(true)
    const hooks = await fastifyHooks(monitor)
    const raw = {} as IncomingMessage
    const request: FastifyRequestLike = {
      method: 'GET',
      url: '/orders/42?x=1',
      raw,
      routeOptions: { url: '/orders/:id' },
    }
    await new Promise<void>((r) => hooks.onRequest?.(request, { statusCode: 0 }, r))
    expect(await monitor.registry.getSingleMetricAsString('http_server_requests_in_flight')).toContain(
      'method="GET"} 1',
    )
    await new Promise<void>((r) => hooks.onResponse?.(request, { statusCode: 201 }, r))
    const text = await monitor.registry.getSingleMetricAsString('http_server_requests_total')
    expect(text).toContain(
      'http_server_requests_total{method="GET",route="/orders/:id",status_class="2xx"} 1',
    )
    expect(await monitor.registry.getSingleMetricAsString('http_server_requests_in_flight')).toContain(
      'method="GET"} 0',
    )
  })

  it('takes the exemplar from the span active when the request starts', async () => {
    const tracing = await startTracing({ serviceName: 's', exporter: 'none' })
    try {
      const registry = new Registry<OpenMetricsContentType>()
      registry.setContentType(Registry.OPENMETRICS_CONTENT_TYPE)
      const monitor = await createMonitor({ serviceName: 's', registry, defaultMetrics: false })
      const hooks = await fastifyHooks(monitor)
      const request: FastifyRequestLike = { method: 'GET', url: '/orders/7', raw: {} as IncomingMessage }
      const span = trace.wrapSpanContext({
        traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
        spanId: '00f067aa0ba902b7',
        traceFlags: TraceFlags.SAMPLED,
      })
      await context.with(
        trace.setSpan(context.active(), span),
        () => new Promise<void>((r) => hooks.onRequest?.(request, { statusCode: 0 }, r)),
      )
      // The response ends outside the span's context, as it may in Fastify.
      await new Promise<void>((r) => hooks.onResponse?.(request, { statusCode: 200 }, r))
      const exposition = await registry.metrics()
      expect(exposition).toMatch(
        /http_server_request_duration_seconds_bucket\{[^}]*\} 1 # \{trace_id="4bf92f3577b34da6a3ce929d0e0e4736",span_id="00f067aa0ba902b7"\}/,
      )
      await monitor.close()
    } finally {
      await tracing.shutdown()
    }
  })
})
