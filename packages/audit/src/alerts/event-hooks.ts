import type { AuditEvent } from '../event/event-schema.js'
import type { EventFilter, EventHookContext } from '../log/audit-log.js'

type Handler = (event: AuditEvent, context: EventHookContext) => void | Promise<void>

/** Most threshold windows one hook keeps (one per actor, IP or tenant) unless `maxKeys` says otherwise. */
export const DEFAULT_MAX_WINDOWS = 10_000

/** The events of one key still inside the window, in arrival order, with their `occurredAt` in ms. */
interface Window {
  events: AuditEvent[]
  times: number[]
}

interface Hook {
  filter: EventFilter
  handler: Handler
  /** Open windows by key, least recently updated first (a key moves to the end when it is updated). */
  windows: Map<string, Window>
  /** The newest `occurredAt` seen: windows ending before it minus `windowMs` can never fire again. */
  watermark: number
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
 *
 * Window keys are chosen by whoever the events are about (an attacker picks actor ids and IPs
 * freely), so each hook keeps at most `threshold.maxKeys` windows: when a new key would exceed
 * that, windows that expired (their newest event is older than the newest event seen minus
 * `windowMs`) are swept, and if that is not enough the least recently updated windows are
 * dropped. Memory per hook is bounded by `maxKeys × count` events.
 */
export class EventHooks {
  private readonly hooks = new Set<Hook>()

  constructor(private readonly onError: (error: unknown) => void) {}

  /** Registers a hook; returns its unsubscribe function. */
  add(filter: EventFilter, handler: Handler): () => void {
    const hook: Hook = { filter, handler, windows: new Map(), watermark: Number.NEGATIVE_INFINITY }
    this.hooks.add(hook)
    return () => {
      this.hooks.delete(hook)
    }
  }

  /** Whether any hook is registered (so the log can skip building events). */
  get size(): number {
    return this.hooks.size
  }

  /** Open threshold windows over all hooks (for tests and diagnostics). */
  get openWindows(): number {
    let total = 0
    for (const hook of this.hooks) total += hook.windows.size
    return total
  }

  /** Feeds committed events, in commit order. */
  emit(events: readonly AuditEvent[]): void {
    for (const hook of this.hooks) {
      for (const event of events) {
        if (!matches(hook.filter, event)) continue
        if (!hook.filter.threshold) this.call(hook.handler, event, { count: 1, events: [event] })
        else this.count(hook, event)
      }
    }
  }

  private count(hook: Hook, event: AuditEvent): void {
    const threshold = hook.filter.threshold as NonNullable<EventFilter['threshold']>
    const key = windowKey(hook.filter, event)
    const at = Date.parse(event.occurredAt)
    if (at > hook.watermark) hook.watermark = at
    const open = hook.windows.get(key)
    // occurredAt is the caller's: events may come out of order, so every one is checked.
    const window: Window = { events: [], times: [] }
    if (open)
      for (let i = 0; i < open.times.length; i++) {
        if ((open.times[i] as number) <= at - threshold.windowMs) continue
        window.events.push(open.events[i] as AuditEvent)
        window.times.push(open.times[i] as number)
      }
    window.events.push(event)
    window.times.push(at)
    hook.windows.delete(key)
    if (window.events.length >= threshold.count) {
      this.call(hook.handler, event, { count: window.events.length, events: window.events })
      return
    }
    hook.windows.set(key, window)
    const maxKeys = threshold.maxKeys ?? DEFAULT_MAX_WINDOWS
    if (hook.windows.size > maxKeys) this.shrink(hook, threshold.windowMs, maxKeys)
  }

  /** Drops expired windows, then the least recently updated ones, down to `maxKeys`. */
  private shrink(hook: Hook, windowMs: number, maxKeys: number): void {
    const horizon = hook.watermark - windowMs
    for (const [key, window] of hook.windows)
      if (Math.max(...window.times) <= horizon) hook.windows.delete(key)
    // Sweeping is O(windows): leave room so that it runs at most once per maxKeys / 4 new keys.
    const keep = hook.windows.size > maxKeys ? Math.floor((maxKeys * 3) / 4) : hook.windows.size
    for (const key of hook.windows.keys()) {
      if (hook.windows.size <= keep) break
      hook.windows.delete(key)
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
