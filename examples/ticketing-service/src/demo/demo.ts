import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { TicketingService } from '../service.js'
import { ADMIN, createDemoContext, METRICS } from './demo-context.js'
import { evidenceSteps, integritySteps } from './demo-steps-evidence.js'
import { incidentSteps } from './demo-steps-incident.js'
import { salesSteps } from './demo-steps-sales.js'
import { setupSteps } from './demo-steps-setup.js'
import { runSteps, type StepResult } from './step-runner.js'

/** Options of {@link runDemo}. */
export interface DemoOptions {
  /** Where reports and the summary are written. */
  outDir: string
  /** Where each progress line goes. @default console.log */
  write?: (line: string) => void
  /** How long the injected latency spike lasts. @default 6000 */
  spikeMs?: number
  /** Keep the service running after the steps (the caller closes it). @default false */
  keepRunning?: boolean
}

/** What {@link runDemo} did. */
export interface DemoResult {
  results: StepResult[]
  ok: boolean
  /** The running service when `keepRunning` was set. */
  service?: TicketingService
  /** Closes the kept service and deletes its temporary database (when `keepRunning` was set). */
  stop?: () => Promise<void>
  credentials: { admin: { email: string; password: string }; metrics: { username: string; password: string } }
}
/**
 * Runs the scripted demo against a real ticketing service on a temporary SQLite file and a
 * loopback port. Steps whose capability is not wired in this build are reported as
 * "not available yet"; `ok` is true when no step that ran failed.
 */
export async function runDemo(options: DemoOptions): Promise<DemoResult> {
  const write = options.write ?? ((line: string) => console.log(line))
  rmSync(options.outDir, { recursive: true, force: true })
  mkdirSync(options.outDir, { recursive: true })
  const ctx = createDemoContext({
    outDir: options.outDir,
    workDir: mkdtempSync(join(tmpdir(), 'opskit-demo-')),
    spikeMs: options.spikeMs ?? 6000,
  })
  const steps = [
    ...setupSteps(ctx),
    ...salesSteps(ctx),
    ...incidentSteps(ctx),
    ...evidenceSteps(ctx),
    ...integritySteps(ctx),
  ]

  let results: StepResult[]
  try {
    results = await runSteps(steps, write)
  } finally {
    if (!options.keepRunning) {
      await ctx.service?.close()
      await ctx.smtp?.close()
      rmSync(ctx.workDir, { recursive: true, force: true })
    }
  }
  const ok = results.every((r) => r.outcome !== 'failed')
  writeFileSync(join(options.outDir, 'summary.json'), `${JSON.stringify({ ok, results }, null, 2)}\n`)
  return {
    results,
    ok,
    ...(options.keepRunning && ctx.service
      ? {
          service: ctx.service,
          stop: async () => {
            await ctx.service?.close()
            await ctx.smtp?.close()
            rmSync(ctx.workDir, { recursive: true, force: true })
          },
        }
      : {}),
    credentials: { admin: ADMIN, metrics: METRICS },
  }
}
