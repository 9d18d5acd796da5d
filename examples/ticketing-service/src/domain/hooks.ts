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
    reason?: 'unknown_user' | 'bad_password'
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

/**
 * A tiny typed event bus. `emit` awaits every listener so that a request answers only after its
 * side effects (an audit record, a notification) were handed over; a failing listener is
 * reported to `onError` and does not undo the committed change.
 */
export class DomainHooks {
  readonly #listeners = new Map<keyof DomainEvents, Listener<keyof DomainEvents>[]>()

  constructor(private readonly onError: (event: string, error: unknown) => void) {}

  /** Subscribes to one kind of event. */
  on<K extends keyof DomainEvents>(kind: K, listener: Listener<K>): void {
    const list = this.#listeners.get(kind) ?? []
    list.push(listener as Listener<keyof DomainEvents>)
    this.#listeners.set(kind, list)
  }

  /** Delivers an event to every listener. */
  async emit<K extends keyof DomainEvents>(kind: K, event: DomainEvents[K]): Promise<void> {
    for (const listener of this.#listeners.get(kind) ?? []) {
      try {
        await listener(event)
      } catch (error) {
        this.onError(kind, error)
      }
    }
  }
}
