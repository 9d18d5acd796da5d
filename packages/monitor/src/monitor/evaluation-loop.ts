import type { Clock, Logger } from '@opskit/core'
import type { EvaluationLoop } from './alerts-types.js'

/** What the loop runs and reports to. */
export interface EvaluationLoopContext {
  clock: Clock
  logger: Logger
  intervalMs: number
  /** One iteration: the leader check and, on the leader, an evaluation. */
  iterate(): Promise<void>
  /** Called for a tick skipped because the previous iteration was still running. */
  missed(): void
}

/** A started loop: its handle, and whether it still runs. */
export interface RunningLoop extends EvaluationLoop {
  readonly active: boolean
}

/** Runs `iterate` every `intervalMs` on the clock, never overlapping, until stopped. */
export function startEvaluationLoop(ctx: EvaluationLoopContext): RunningLoop {
  const { clock } = ctx
  let stopped = false
  let running: Promise<void> | undefined
  let timer: ReturnType<Clock['setTimeout']> | undefined
  const schedule = () => {
    timer = clock.setTimeout(() => {
      if (stopped) return
      schedule()
      if (running) {
        ctx.missed()
        return
      }
      running = ctx
        .iterate()
        .catch((error: unknown) => ctx.logger.error({ err: error }, 'alert evaluation failed'))
        .finally(() => {
          running = undefined
        })
    }, ctx.intervalMs)
  }
  schedule()
  return {
    get active() {
      return !stopped
    },
    async stop() {
      stopped = true
      if (timer !== undefined) clock.clearTimeout(timer)
      timer = undefined
      await running
    },
  }
}
