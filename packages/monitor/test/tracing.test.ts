import { context, propagation, trace } from '@opentelemetry/api'
import { startHttpFake } from '@opskit/test-support'
import { describe, expect, it } from 'vitest'
import { MonitorError, startTracing } from '../src/index.js'

describe('startTracing', () => {
  it('exports spans over OTLP/HTTP with service.name and propagates W3C trace context; shutdown unregisters', async () => {
    const collector = await startHttpFake()
    collector.route('POST', '/v1/traces', () => ({ status: 200, body: {} }))
    try {
      const handle = await startTracing({
        serviceName: 'tickets',
        exporter: 'otlp-http',
        endpoint: `${collector.url}/v1/traces`,
        headers: { 'x-api-key': 'k' },
      })
      const tracer = trace.getTracer('test')
      const carrier: Record<string, string> = {}
      tracer.startActiveSpan('checkout', (span) => {
        propagation.inject(context.active(), carrier)
        span.end()
      })
      expect(carrier.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/)
      await handle.shutdown()
      expect(collector.requests).toHaveLength(1)
      const req = collector.requests[0]
      expect(req?.headers['x-api-key']).toBe('k')
      const body = req?.json<{
        resourceSpans: Array<{
          resource: { attributes: Array<{ key: string; value: { stringValue?: string } }> }
          scopeSpans: Array<{ spans: Array<{ name: string }> }>
        }>
      }>()
      const resource = body?.resourceSpans[0]
      expect(resource?.resource.attributes.find((a) => a.key === 'service.name')?.value.stringValue).toBe(
        'tickets',
      )
      expect(resource?.scopeSpans[0]?.spans[0]?.name).toBe('checkout')
      // after shutdown the API is a no-op again
      const after = trace.getTracer('test').startSpan('later')
      expect(after.isRecording()).toBe(false)
      after.end()
    } finally {
      await collector.stop()
    }
  })

  it("'none' records spans for propagation without exporting; options are validated", async () => {
    const handle = await startTracing({ serviceName: 'svc', exporter: 'none' })
    const span = trace.getTracer('t').startSpan('x')
    expect(span.isRecording()).toBe(true)
    expect(span.spanContext().traceId).not.toBe('00000000000000000000000000000000')
    span.end()
    await handle.shutdown()
    await handle.shutdown()
    await expect(startTracing({ serviceName: '' })).rejects.toBeInstanceOf(MonitorError)
  })
})
