import type { Clock, Logger } from '@opskit/core'
import { backoffDelay } from '@opskit/core/internal'

/** What a `training-failed` listener receives. */
export interface TrainingFailedEvent {
  /** The error the training threw. */
  readonly error: unknown
  /** Consecutive failed trainings, this one included (1 for the first failure). */
  readonly failures: number
  /** Milliseconds until the next attempt is allowed (exponential backoff). */
  readonly retryInMs: number
}

/** What a `trained` listener receives. */
export interface TrainedEvent {
  /** Trainings completed so far, this one included. */
  readonly trainings: number
  /** Failed attempts that came right before this success (0 when none). */
  readonly afterFailures: number
}

/** Events a detector that trains in the background emits, by name. */
export interface TrainingEvents {
  readonly 'training-failed': TrainingFailedEvent
  readonly trained: TrainedEvent
}

/** Options of {@link TrainingSupervisor}. */
export interface TrainingSupervisorOptions {
  readonly clock: Clock
  readonly logger: Logger
  /** Delay before the first retry, doubled after each further failure. */
  readonly retryBaseMs: number
  /** Upper bound of a retry delay. */
  readonly retryMaxMs: number
}

type Listener<E> = (event: E) => void

/**
 * Runs one background training at a time and keeps what its failures mean: a failure is logged,
 * emitted as `training-failed`, and the next attempt waits an exponential backoff (no retry on
 * every point); a success resets the count and is emitted as `trained`.
 */
export class TrainingSupervisor {
  private pending: Promise<void> | null = null
  private retryAt = Number.NEGATIVE_INFINITY
  private listeners: { [K in keyof TrainingEvents]: Set<Listener<TrainingEvents[K]>> } = {
    'training-failed': new Set(),
    trained: new Set(),
  }

  constructor(
    private readonly options: TrainingSupervisorOptions,
    /** Consecutive failed trainings (restored from a snapshot). */
    public failures = 0,
    /** Trainings completed (restored from a snapshot). */
    public trainings = 0,
  ) {}

  /** Whether the last training failed and no training has succeeded since. */
  get failing(): boolean {
    return this.failures > 0
  }

  /** Whether a training may start now: none is running and any backoff has elapsed. */
  get ready(): boolean {
    return this.pending === null && this.options.clock.now() >= this.retryAt
  }

  /** Resolves when no training is running. */
  async idle(): Promise<void> {
    while (this.pending) await this.pending
  }

  /** Subscribes to an event; returns the function that unsubscribes. */
  on<K extends keyof TrainingEvents>(name: K, listener: Listener<TrainingEvents[K]>): () => void {
    const set = this.listeners[name] as Set<Listener<TrainingEvents[K]>>
    set.add(listener)
    return () => set.delete(listener)
  }

  /** Starts `train` in the background; `apply` installs its result when it succeeds. */
  start<T>(train: () => Promise<T>, apply: (result: T) => void): void {
    const run = async () => {
      let result: T
      try {
        result = await train()
      } catch (error) {
        this.fail(error)
        return
      }
      apply(result)
      const afterFailures = this.failures
      this.failures = 0
      this.retryAt = Number.NEGATIVE_INFINITY
      this.trainings++
      if (afterFailures > 0)
        this.options.logger.info({ afterFailures }, 'anomaly detector training recovered')
      this.emit('trained', { trainings: this.trainings, afterFailures })
    }
    this.pending = run().finally(() => {
      this.pending = null
    })
  }

  private fail(error: unknown): void {
    this.failures++
    const { retryBaseMs, retryMaxMs, clock, logger } = this.options
    const retryInMs = backoffDelay(this.failures, { baseMs: retryBaseMs, maxMs: retryMaxMs, jitter: 'none' })
    this.retryAt = clock.now() + retryInMs
    logger.warn(
      { err: error, failures: this.failures, retryInMs },
      'anomaly detector training failed; scoring with the z-score fallback until a training succeeds',
    )
    this.emit('training-failed', { error, failures: this.failures, retryInMs })
  }

  private emit<K extends keyof TrainingEvents>(name: K, event: TrainingEvents[K]): void {
    for (const listener of this.listeners[name] as Set<Listener<TrainingEvents[K]>>) {
      try {
        listener(event)
      } catch (error) {
        this.options.logger.error({ err: error, event: name }, 'a training event listener threw')
      }
    }
  }
}
