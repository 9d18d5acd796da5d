import { parseInput } from '@opskit/core'
import { z } from 'zod'
import { MonitorError } from '../errors/monitor-error.js'
import type { EscalationLevel } from '../incidents/escalation.js'
import { parseDuration } from '../rules/duration.js'
import type { EscalationPolicy } from './alerts-types.js'

const policySchema = z
  .object({
    levels: z.array(
      z
        .object({
          after: z.union([z.number().nonnegative(), z.string()]),
          receivers: z.array(z.string().min(1)).min(1),
        })
        .strict(),
    ),
  })
  .strict()

/**
 * Validates an escalation policy into levels sorted by delay; throws `MONITOR_INVALID_OPTIONS`,
 * or `MONITOR_UNKNOWN_RECEIVER` for a receiver `isReceiver` does not know.
 */
export function parseEscalationPolicy(
  policy: EscalationPolicy,
  isReceiver: (name: string) => boolean,
): EscalationLevel[] {
  const parsed = parseInput(
    policySchema,
    policy,
    (message) => new MonitorError('MONITOR_INVALID_OPTIONS', `invalid escalation: ${message}`),
  )
  const levels = parsed.levels.map((l, i) => ({
    afterMs: parseDuration(l.after, `levels[${i}].after`),
    receivers: l.receivers,
  }))
  for (const level of levels)
    for (const r of level.receivers)
      if (!isReceiver(r))
        throw new MonitorError('MONITOR_UNKNOWN_RECEIVER', `escalation: unknown receiver "${r}"`)
  return levels.sort((a, b) => a.afterMs - b.afterMs)
}
