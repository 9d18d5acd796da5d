import { once } from 'node:events'
import type { Writable } from 'node:stream'

/**
 * Batches small text pieces into ~64 KiB writes and waits for `drain` when the target is
 * full, so renderers stream with backpressure without a promise per row.
 */
export class TextSink {
  private buffer = ''
  constructor(
    private readonly out: Writable,
    private readonly batchSize = 64 * 1024,
  ) {}

  /** Appends text; returns a promise only when the caller must wait for the target. */
  push(text: string): Promise<void> | undefined {
    this.buffer += text
    if (this.buffer.length < this.batchSize) return undefined
    return this.flush()
  }

  /** Writes the pending text, waiting for `drain` if the target asks for it. */
  async flush(): Promise<void> {
    if (this.buffer.length === 0) return
    const chunk = this.buffer
    this.buffer = ''
    if (!this.out.write(chunk)) await waitForDrain(this.out)
  }

  /** Flushes and ends the target, resolving once it has finished. */
  async end(): Promise<void> {
    await this.flush()
    await endStream(this.out)
  }
}

/** Waits until `out` drains (or fails). */
export async function waitForDrain(out: Writable): Promise<void> {
  if (out.destroyed) throw out.errored ?? new Error('output stream was destroyed')
  await Promise.race([
    once(out, 'drain'),
    once(out, 'close').then(() => {
      throw out.errored ?? new Error('output stream closed before drain')
    }),
  ])
}

/** Ends `out` and waits for `finish`. */
export async function endStream(out: Writable): Promise<void> {
  if (out.writableFinished) return
  const finished = once(out, 'finish')
  out.end()
  await finished
}
