import { once } from 'node:events'
import type { Writable } from 'node:stream'

/**
 * Batches small text pieces into ~16 KiB writes and waits for `drain` when the target is
 * full, so renderers stream with backpressure without a promise per row.
 */
export class TextSink {
  private buffer = ''
  constructor(
    private readonly out: Writable,
    private readonly batchSize = 16 * 1024,
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

/** Waits until `out` drains, rejecting if it closes or fails first; leaves no listeners behind. */
export function waitForDrain(out: Writable): Promise<void> {
  if (out.destroyed) return Promise.reject(out.errored ?? new Error('output stream was destroyed'))
  return new Promise<void>((resolve, reject) => {
    const cleanup = () => {
      out.off('drain', onDrain)
      out.off('close', onClose)
      out.off('error', onError)
    }
    const onDrain = () => {
      cleanup()
      resolve()
    }
    const onClose = () => {
      cleanup()
      reject(out.errored ?? new Error('output stream closed before drain'))
    }
    const onError = (error: Error) => {
      cleanup()
      reject(error)
    }
    out.on('drain', onDrain)
    out.on('close', onClose)
    out.on('error', onError)
  })
}

/** Ends `out` and waits for `finish`. */
export async function endStream(out: Writable): Promise<void> {
  if (out.writableFinished) return
  const finished = once(out, 'finish')
  out.end()
  await finished
}
