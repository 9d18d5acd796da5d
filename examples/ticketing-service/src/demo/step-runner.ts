import { type Feature, unavailableReason } from '../wiring/status.js'

/** How a demo step ended. */
export type StepOutcome = 'ok' | 'failed' | 'not available yet'

/** A step of the demo. */
export interface DemoStep {
  title: string
  /** Capabilities the step needs; when one is not wired, the step is "not available yet". */
  needs?: Feature[]
  /** Does the step and says what happened; a step without it cannot run in this build. */
  run?: () => Promise<string>
}

/** The result of a step. */
export interface StepResult {
  title: string
  outcome: StepOutcome
  detail: string
  ms: number
}

const BAR_WIDTH = 24

function bar(done: number, total: number): string {
  const filled = Math.round((done / total) * BAR_WIDTH)
  return `[${'#'.repeat(filled)}${'.'.repeat(BAR_WIDTH - filled)}] ${done}/${total}`
}

/** Runs steps in order with a step list and a progress bar; a failing step does not stop the rest. */
export async function runSteps(steps: DemoStep[], write: (line: string) => void): Promise<StepResult[]> {
  const results: StepResult[] = []
  for (const [index, step] of steps.entries()) {
    const label = `${String(index + 1).padStart(2)}. ${step.title}`
    const unavailable = unavailableReason(...(step.needs ?? []))
    if (unavailable) {
      results.push({ title: step.title, outcome: 'not available yet', detail: unavailable, ms: 0 })
      write(`${bar(index + 1, steps.length)} ${label}\n      - not available yet: ${unavailable}`)
      continue
    }
    const started = performance.now()
    try {
      if (!step.run) throw new Error('its capabilities are wired but the demo has no script for it yet')
      const detail = await step.run()
      const ms = Math.round(performance.now() - started)
      results.push({ title: step.title, outcome: 'ok', detail, ms })
      write(`${bar(index + 1, steps.length)} ${label}\n      ✔ ${detail} (${ms} ms)`)
    } catch (error) {
      const ms = Math.round(performance.now() - started)
      const detail = error instanceof Error ? error.message : String(error)
      results.push({ title: step.title, outcome: 'failed', detail, ms })
      write(`${bar(index + 1, steps.length)} ${label}\n      ✘ FAILED: ${detail} (${ms} ms)`)
    }
  }
  return results
}
