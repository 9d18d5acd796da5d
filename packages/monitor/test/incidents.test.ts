import type { IncomingMessage } from 'node:http'
import { describe, expect, it } from 'vitest'
import { createMonitor, type FastifyReplyLike, type FastifyRequestLike } from '../src/index.js'
import { harness, M, recordingChannel } from './helpers/dispatch.js'

describe('manual resolve and incident updates', () => {
  it('resolving by hand closes the incident, silences its alerts until the condition clears, and notifies resolution', async () => {
    const h = harness(
      { receiver: 'team', groupBy: ['alertname'], groupWait: '30s', groupInterval: '5m' },
      { team: (c) => [recordingChannel(c, true)] },
    )
    const alert = h.fire({ alertname: 'Disk', host: 'db-1' })
    await h.at(M)
    const [incident] = h.dispatcher.incidents()
    expect(incident?.status).toBe('triggered')
    const noted = h.dispatcher.note(incident?.id as string, { assignee: 'ana', note: 'looking', by: 'bob' })
    expect(noted.assignee).toBe('ana')
    expect(noted.timeline.at(-1)).toMatchObject({ type: 'note', text: 'looking', by: 'bob' })
    const resolved = await h.dispatcher.resolve(incident?.id as string, 'ana')
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
    const incidents = h.dispatcher.incidents()
    expect(incidents).toHaveLength(2)
    expect(incidents[0]?.status).toBe('triggered')
  })

  it('errors on unknown incidents', async () => {
    const h = harness({ receiver: 'team' }, { team: (c) => [recordingChannel(c)] })
    await expect(h.dispatcher.acknowledge('nope', 'ana')).rejects.toMatchObject({ code: 'MONITOR_NOT_FOUND' })
    await expect(h.dispatcher.resolve('nope', 'ana')).rejects.toMatchObject({ code: 'MONITOR_NOT_FOUND' })
  })
})

describe('Fastify plugin', () => {
  it('registers onRequest/onResponse hooks that label by routeOptions.url and skip encapsulation', async () => {
    const monitor = await createMonitor({ serviceName: 's', defaultMetrics: false })
    const hooks: Record<
      string,
      (request: FastifyRequestLike, reply: FastifyReplyLike, done: () => void) => void
    > = {}
    const plugin = monitor.http.fastifyPlugin
    expect(plugin[Symbol.for('skip-override')]).toBe(true)
    await new Promise<void>((resolve) =>
      plugin(
        {
          addHook: (
            name: string,
            hook: (request: FastifyRequestLike, reply: FastifyReplyLike, done: () => void) => void,
          ) => {
            hooks[name] = hook
          },
        } as never,
        {},
        resolve,
      ),
    )
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
})
