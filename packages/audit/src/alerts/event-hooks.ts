import type { AuditEvent } from '../event/event-schema.js'
import type { EventFilter, EventHookContext } from '../log/audit-log.js'

type Handler = (event: AuditEvent, context: EventHookContext) => void | Promise<void>

interface Hook {
  filter: EventFilter
  handler: Handler
  windows: Map<string, AuditEvent[]>
}

function matches(filter: EventFilter, event: AuditEvent): boolean {
  return (
    (filter.tenantId === undefined || event.tenantId === filter.tenantId) &&
    (filter.actorId === undefined || event.actor.id === filter.actorId) &&
    (filter.action === undefined || event.action === filter.action) &&
    (filter.actionPrefix === undefined || event.action.startsWith(filter.actionPrefix)) &&
    (filter.category === undefined || event.category === filter.category) &&
    (filter.outcome === undefined || event.outcome === filter.outcome) &&
    (filter.severity === undefined || event.severity === filter.severity)
  )
}

function windowKey(filter: EventFilter, event: AuditEvent): string {
  switch (filter.threshold?.by ?? 'actor') {
    case 'actor':
      return `${event.tenantId ?? ''}\u0000${event.actor.id}`
    case 'tenant':
      return event.tenantId ?? ''
    case 'ip':
      return `${event.tenantId ?? ''}\u0000${event.actor.ip ?? ''}`
    default:
      return ''
  }
}

/**
 * In-process `onEvent` hooks with sliding threshold windows (per actor, tenant, IP or global),
 * keyed on each event's `occurredAt`. Windows live in this process only: with several
 * processes, count with `query()` instead.
 */
export class EventHooks {
  private readonly hooks = new Set<Hook>()

  constructor(private readonly onError: (error: unknown) => void) {}

  /** Registers a hook; returns its unsubscribe function. */
  add(filter: EventFilter, handler: Handler): () => void {
    const hook: Hook = { filter, handler, windows: new Map() }
    this.hooks.add(hook)
    return () => {
      this.hooks.delete(hook)
    }
  }

  /** Whether any hook is registered (so the log can skip building events). */
  get size(): number {
    return this.hooks.size
  }

  /** Feeds committed events, in commit order. */
  emit(events: readonly AuditEvent[]): void {
    for (const hook of this.hooks) {
      for (const event of events) {
        if (!matches(hook.filter, event)) continue
        const threshold = hook.filter.threshold
        if (!threshold) {
          this.call(hook.handler, event, { count: 1, events: [event] })
          continue
        }
        const key = windowKey(hook.filter, event)
        const at = Date.parse(event.occurredAt)
        const window = (hook.windows.get(key) ?? []).filter(
          (seen) => Date.parse(seen.occurredAt) > at - threshold.windowMs,
        )
        window.push(event)
        if (window.length >= threshold.count) {
          hook.windows.delete(key)
          this.call(hook.handler, event, { count: window.length, events: window })
        } else {
          hook.windows.set(key, window)
        }
      }
    }
  }

  private call(handler: Handler, event: AuditEvent, context: EventHookContext): void {
    try {
      const result = handler(event, context)
      if (result && typeof result.then === 'function') result.then(undefined, this.onError)
    } catch (error) {
      this.onError(error)
    }
  }
}
