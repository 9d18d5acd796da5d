import { parseInput } from '@opskit/core'
import { importOptional } from '@opskit/core/internal'
import { z } from 'zod'
import { MonitorError } from '../errors/monitor-error.js'

/** Options of {@link startTracing}. */
export interface TracingOptions {
  /** `service.name` of every span. */
  serviceName: string
  /** `otlp-http` (OTLP/HTTP JSON), `console` (spans printed) or `none` (context propagation only). @default 'otlp-http' */
  exporter?: 'otlp-http' | 'console' | 'none'
  /** OTLP traces endpoint. @default 'http://localhost:4318/v1/traces' */
  endpoint?: string
  /** Extra headers for the OTLP exporter (e.g. an API key). */
  headers?: Record<string, string>
  /** Instrumentations to register (e.g. from `@opentelemetry/auto-instrumentations-node`). */
  instrumentations?: unknown[]
}

/** A started tracing SDK. */
export interface TracingHandle {
  /** Flushes pending spans, stops the SDK and unregisters the global providers. */
  shutdown(): Promise<void>
}

const schema = z
  .object({
    serviceName: z.string().min(1).max(200),
    exporter: z.enum(['otlp-http', 'console', 'none']).optional(),
    endpoint: z.string().url().optional(),
    headers: z.record(z.string(), z.string()).optional(),
    instrumentations: z.array(z.unknown()).optional(),
  })
  .strict()

type SdkNode = typeof import('@opentelemetry/sdk-node')
type OtlpHttp = typeof import('@opentelemetry/exporter-trace-otlp-http')

/**
 * Starts `@opentelemetry/sdk-node` for hosts that want opskit to set tracing up (W3C trace
 * context propagation, a batch span processor and the chosen exporter). Optional peers: install
 * `@opentelemetry/sdk-node` (a release that supports Node 20, e.g. 0.208) and, for `otlp-http`,
 * `@opentelemetry/exporter-trace-otlp-http`. Never called implicitly; library code only uses
 * `@opentelemetry/api`, which stays a no-op until a host starts an SDK.
 */
export async function startTracing(options: TracingOptions): Promise<TracingHandle> {
  const o = parseInput(
    schema,
    options,
    (message) => new MonitorError('MONITOR_INVALID_OPTIONS', `invalid tracing options: ${message}`),
  )
  const sdkNode = await importOptional<SdkNode>('@opentelemetry/sdk-node', '@opskit/monitor startTracing')
  const exporter = o.exporter ?? 'otlp-http'
  // 'none': a processor that drops spans, so the provider (and W3C propagation) is still set up
  let spanProcessors: Array<
    | InstanceType<SdkNode['tracing']['BatchSpanProcessor']>
    | InstanceType<SdkNode['tracing']['NoopSpanProcessor']>
  > = [new sdkNode.tracing.NoopSpanProcessor()]
  if (exporter === 'console') {
    spanProcessors = [new sdkNode.tracing.BatchSpanProcessor(new sdkNode.tracing.ConsoleSpanExporter())]
  } else if (exporter === 'otlp-http') {
    const otlp = await importOptional<OtlpHttp>(
      '@opentelemetry/exporter-trace-otlp-http',
      '@opskit/monitor startTracing',
    )
    spanProcessors = [
      new sdkNode.tracing.BatchSpanProcessor(
        new otlp.OTLPTraceExporter({
          url: o.endpoint ?? 'http://localhost:4318/v1/traces',
          ...(o.headers ? { headers: o.headers } : {}),
        }),
      ),
    ]
  }
  const sdk = new sdkNode.NodeSDK({
    serviceName: o.serviceName,
    spanProcessors,
    instrumentations: (o.instrumentations ?? []) as NonNullable<
      NonNullable<ConstructorParameters<SdkNode['NodeSDK']>[0]>['instrumentations']
    >,
    // no metrics or logs pipelines: metrics go through prom-client
    autoDetectResources: false,
  })
  sdk.start()
  let stopped = false
  return {
    async shutdown() {
      if (stopped) return
      stopped = true
      await sdk.shutdown()
      sdkNode.api.trace.disable()
      sdkNode.api.context.disable()
      sdkNode.api.propagation.disable()
    },
  }
}
