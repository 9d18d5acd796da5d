import { isOpskitError } from '@opskit/core'
import { importOptional } from '@opskit/core/internal'

type TraceApi = typeof import('@opentelemetry/api')

/** The trace id of the active OpenTelemetry span, when there is a valid one. */
export type ActiveTraceId = () => string | undefined

/**
 * Reads active spans through `@opentelemetry/api` (an optional peer: the host's tracing setup
 * installs it, and the API's global registry is shared with the host). Without it there can be no
 * active span, so events simply get no `correlationId` from one.
 */
export async function loadActiveTraceId(): Promise<ActiveTraceId> {
  let api: TraceApi
  try {
    api = await importOptional<TraceApi>('@opentelemetry/api', '@opskit/audit (trace correlation)')
  } catch (error) {
    if (isOpskitError(error, 'CORE_OPTIONAL_DEPENDENCY_MISSING')) return () => undefined
    throw error
  }
  return () => {
    const context = api.trace.getActiveSpan()?.spanContext()
    return context && api.isSpanContextValid(context) ? context.traceId : undefined
  }
}
