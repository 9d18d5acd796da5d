import { parseInput } from '@opskit/core'
import { z } from 'zod'
import { MonitorError } from '../errors/monitor-error.js'
import type { Labels } from '../labels/labels.js'
import type { AlertInstance } from './alert-types.js'
import { parseDuration } from './duration.js'
import type { Expr } from './promql/ast.js'
import { parseExpr } from './promql/parser.js'
import type { AlertRuleDefinition, RuleStatus } from './rule-engine-types.js'

/** The state a pending instance is promoted to once its `for` has elapsed. */
export type PendingTarget = 'firing' | 'nodata' | 'error'

/** An alerting rule as the engine keeps it: parsed, with its instances. */
export interface CompiledRule {
  kind: 'alert'
  /** `def.id ?? def.name`. */
  key: string
  def: AlertRuleDefinition
  expr: Expr
  forMs: number
  keepFiringForMs: number
  instances: Map<string, AlertInstance>
  /** The state a pending instance is promoted to once its `for` has elapsed. */
  targets: Map<string, PendingTarget>
  /** Fingerprints by label key, so unchanged series are not re-hashed each evaluation. */
  fingerprints: Map<string, string>
  /** Whether the rule's labels have no templates (final labels depend on the series only). */
  staticLabels: boolean
  /** Final labels and fingerprint per source label object (only with `staticLabels`). */
  labelCache: WeakMap<Labels, { labels: Labels; fingerprint: string }>
  /** The annotations when they have no templates (shared by every instance). */
  staticAnnotations?: Record<string, string>
  status: RuleStatus
}

/** One series an evaluation found active, before the state machine steps. */
export interface PresentSeries {
  labels: Labels
  /** The labels of the expression's element: what `$labels` means in annotations, as in Prometheus. */
  source?: Labels
  /** Precomputed fingerprint of `labels`, when known. */
  fingerprint?: string
  value: number
  target: PendingTarget
  reason?: string
}

const ruleSchema = z
  .object({
    name: z.string().min(1).max(1024),
    id: z.string().min(1).max(1024).optional(),
    expr: z.string().min(1).max(10_000),
    for: z.union([z.number().nonnegative(), z.string()]).optional(),
    keepFiringFor: z.union([z.number().nonnegative(), z.string()]).optional(),
    labels: z.record(z.string().regex(/^[a-zA-Z_][a-zA-Z0-9_]*$/), z.string().max(1024)).optional(),
    annotations: z.record(z.string().min(1), z.string().max(10_000)).optional(),
    onNoData: z.enum(['nodata', 'alerting', 'ok', 'keepLast']).optional(),
    onError: z.enum(['error', 'alerting', 'ok', 'keepLast']).optional(),
    limit: z.number().int().positive().optional(),
  })
  .strict()

/** Validates and parses an alerting rule; throws `MONITOR_INVALID_RULE` or `MONITOR_INVALID_EXPRESSION`. */
export function compileAlertRule(input: AlertRuleDefinition): CompiledRule {
  const def = parseInput(
    ruleSchema,
    input,
    (message, issues) =>
      new MonitorError('MONITOR_INVALID_RULE', `invalid alert rule: ${message}`, { details: { issues } }),
  ) as AlertRuleDefinition
  const expr = parseExpr(def.expr)
  const compiled: CompiledRule = {
    kind: 'alert',
    key: def.id ?? def.name,
    def,
    expr,
    forMs: parseDuration(def.for ?? 0, 'for', 'MONITOR_INVALID_RULE'),
    keepFiringForMs: parseDuration(def.keepFiringFor ?? 0, 'keepFiringFor', 'MONITOR_INVALID_RULE'),
    instances: new Map(),
    targets: new Map(),
    fingerprints: new Map(),
    staticLabels: Object.values(def.labels ?? {}).every((v) => !v.includes('{{')),
    labelCache: new WeakMap(),
    status: { name: def.name, health: 'ok' },
  }
  if (Object.values(def.annotations ?? {}).every((v) => !v.includes('{{')))
    compiled.staticAnnotations = Object.freeze({ ...(def.annotations ?? {}) }) as Record<string, string>
  return compiled
}
