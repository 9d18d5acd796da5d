import type { Role } from '../db/schema.js'

/** Who made a request: the user (when known) and the client. */
export interface RequestActor {
  userId?: string
  email?: string
  role?: Role
  ip: string
  userAgent: string
  requestId: string
}

/** Domain events the service emits after each committed change; wiring modules subscribe. */
export interface DomainEvents {
  'user.registered': { actor: RequestActor; userId: string; email: string; name: string }
  'device.registered': {
    actor: RequestActor
    userId: string
    token: string
    platform: 'ios' | 'android' | 'web'
  }
  'user.login': {
    actor: RequestActor
    email: string
    success: boolean
    reason?: 'unknown_user' | 'bad_password' | 'throttled'
  }
  /** Every purchase request that passed authentication and validation, before it is tried. */
  'purchase.attempt': { actor: RequestActor; eventId: string; quantity: number }
  'order.created': {
    actor: RequestActor
    orderId: string
    eventId: string
    eventName: string
    quantity: number
    totalCents: number
  }
  'order.refunded': {
    actor: RequestActor
    /** The customer who bought the order (the actor may be an administrator). */
    ownerId: string
    orderId: string
    refundId: string
    amountCents: number
    reason: string
  }
  'user.role_changed': { actor: RequestActor; userId: string; email: string; before: Role; after: Role }
}

type Listener<K extends keyof DomainEvents> = (event: DomainEvents[K]) => Promise<void> | void

/** How a listener takes part in an event. */
export interface ListenerOptions {
  /**
   * A critical listener must succeed for the change to be acknowledged: its failure makes
   * `emit` throw {@link CriticalListenerError} after every listener has run (used for the audit
   * records of logins, role changes and refunds, so that a failed audit write fails the request).
   */
  critical?: boolean
}

/** Thrown by `emit` when a critical listener failed; `cause` is the listener's error. */
export class CriticalListenerError extends Error {
  constructor(
    readonly event: keyof DomainEvents,
    options: { cause: unknown },
  ) {
    super(`a critical listener of ${event} failed`, options)
    this.name = 'CriticalListenerError'
  }
}

interface Registered {
  listener: Listener<keyof DomainEvents>
  critical: boolean
}

/**
 * A tiny typed event bus. `emit` awaits every listener so that a request answers only after its
 * side effects (an audit record, a notification) were handed over. A failing listener is
 * reported to `onError`; it does not undo the committed change, but a failing critical listener
 * makes `emit` throw so the request is not acknowledged.
 */
export class DomainHooks {
  readonly #listeners = new Map<keyof DomainEvents, Registered[]>()

  constructor(private readonly onError: (event: string, error: unknown) => void) {}

  /** Subscribes to one kind of event. */
  on<K extends keyof DomainEvents>(kind: K, listener: Listener<K>, options: ListenerOptions = {}): void {
    const list = this.#listeners.get(kind) ?? []
    list.push({ listener: listener as Listener<keyof DomainEvents>, critical: options.critical === true })
    this.#listeners.set(kind, list)
  }

  /** Delivers an event to every listener; throws {@link CriticalListenerError} if a critical one failed. */
  async emit<K extends keyof DomainEvents>(kind: K, event: DomainEvents[K]): Promise<void> {
    let criticalFailure: { error: unknown } | undefined
    for (const { listener, critical } of this.#listeners.get(kind) ?? []) {
      try {
        await listener(event)
      } catch (error) {
        this.onError(kind, error)
        if (critical) criticalFailure ??= { error }
      }
    }
    if (criticalFailure) throw new CriticalListenerError(kind, { cause: criticalFailure.error })
  }
}
