type TraceApi = typeof import('@opentelemetry/api')

/** The trace id of the active OpenTelemetry span, when there is a valid one. */
export type ActiveTraceId = () => string | undefined

function isModuleMissing(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code
  return code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND'
}

/**
 * Reads active spans through `@opentelemetry/api` (an optional peer: the host's tracing setup
 * installs it, and the API's global registry is shared with the host). Imported from this package,
 * so that the peer resolves where `@opskit/audit` is installed. Without it there can be no active
 * span, so events simply get no `correlationId` from one.
 */
export async function loadActiveTraceId(): Promise<ActiveTraceId> {
  let api: TraceApi
  try {
    api = await import('@opentelemetry/api')
  } catch (error) {
    if (isModuleMissing(error)) return () => undefined
    throw error
  }
  return () => {
    const context = api.trace.getActiveSpan()?.spanContext()
    return context && api.isSpanContextValid(context) ? context.traceId : undefined
  }
}
