import { parseInput } from '@opskit/core'
import { z } from 'zod'
import { MonitorError } from '../errors/monitor-error.js'
import type { RecordingArchive } from '../history/history-archive.js'
import { type Labels, labelsKey } from '../labels/labels.js'
import type { Expr } from './promql/ast.js'
import { type EvalContext, evaluate } from './promql/evaluate.js'
import { parseExpr } from './promql/parser.js'
import type { SampleHistory } from './sample-history.js'

/** A recording rule: its expression's result is stored as the series `record` at each evaluation. */
export interface RecordingRuleDefinition {
  /** The metric name of the stored series. */
  record: string
  expr: string
  /** Set on every stored series (an empty value removes the label). */
  labels?: Record<string, string>
  /** Identifies the rule in the engine when several rules record one name. @default record */
  id?: string
  /** More series than this fails the evaluation and stores nothing (a rule group's `limit`). */
  limit?: number
}

/** A recording rule ready to evaluate, with its health and the series it stored last time. */
export interface CompiledRecordingRule {
  kind: 'record'
  key: string
  def: RecordingRuleDefinition
  expr: Expr
  /** Series stored by the last successful evaluation, by label key (marked stale when they go). */
  previous: Map<string, Labels>
  status: {
    name: string
    health: 'ok' | 'nodata' | 'error'
    stateReason?: string
    lastEvaluation?: number
    evaluationMs?: number
  }
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/

const recordingSchema = z
  .object({
    record: z.string().regex(METRIC_NAME, 'must be a valid metric name'),
    expr: z.string().min(1).max(10_000),
    labels: z
      .record(
        z
          .string()
          .regex(/^[a-zA-Z_][a-zA-Z0-9_]*$/)
          .refine((name) => name !== '__name__', 'cannot set __name__'),
        z.string().max(1024),
      )
      .optional(),
    id: z.string().min(1).max(1024).optional(),
    limit: z.number().int().positive().optional(),
  })
  .strict()

/** Validates and parses a recording rule; throws `MONITOR_INVALID_RULE` or `MONITOR_INVALID_EXPRESSION`. */
export function compileRecordingRule(input: RecordingRuleDefinition): CompiledRecordingRule {
  const def = parseInput(
    recordingSchema,
    input,
    (message, issues) =>
      new MonitorError('MONITOR_INVALID_RULE', `invalid recording rule: ${message}`, { details: { issues } }),
  ) as RecordingRuleDefinition
  return {
    kind: 'record',
    key: def.id ?? def.record,
    def,
    expr: parseExpr(def.expr),
    previous: new Map(),
    status: { name: def.record, health: 'ok' },
  }
}

/** The labels Prometheus stores a result element under: its own, `__name__` dropped, the rule's set. */
function recordedLabels(rule: CompiledRecordingRule, labels: Labels): Labels {
  const out: Labels = { ...labels }
  delete out.__name__
  for (const [name, value] of Object.entries(rule.def.labels ?? {})) {
    if (value === '') delete out[name]
    else out[name] = value
  }
  return out
}

/**
 * Evaluates a recording rule at `ctx.at` and stores its result in `history`, as Prometheus'
 * rule group does: a number becomes one series without labels, two results with the same labels
 * are an error, and series stored last time but missing now are marked stale. With `archive`,
 * each stored sample is also handed to the persisted history.
 */
export function evaluateRecordingRule(
  rule: CompiledRecordingRule,
  ctx: EvalContext,
  history: SampleHistory,
  archive?: RecordingArchive,
): void {
  const started = performance.now()
  const ts = ctx.at
  rule.status.lastEvaluation = ts
  try {
    ctx.sawSeries = false
    const value = evaluate(rule.expr, ctx)
    const elements = value.kind === 'scalar' ? [{ labels: {}, value: value.value }] : value.elements
    const current = new Map<string, { labels: Labels; value: number }>()
    for (const element of elements) {
      const labels = recordedLabels(rule, element.labels)
      const key = labelsKey(labels)
      if (current.has(key))
        throw new MonitorError(
          'MONITOR_EVALUATION_FAILED',
          'vector contains metrics with the same labelset after applying rule labels',
        )
      current.set(key, { labels, value: element.value })
    }
    const { limit } = rule.def
    if (limit !== undefined && current.size > limit)
      throw new MonitorError(
        'MONITOR_EVALUATION_FAILED',
        `exceeded limit of ${limit} with ${current.size} series`,
      )
    const name = rule.def.record
    for (const [key, { labels, value: v }] of current) {
      history.appendKeyed(name, labels, key, ts, v)
      archive?.record(name, labels, ts, v)
    }
    for (const [key, labels] of rule.previous)
      if (!current.has(key)) history.appendKeyed(name, labels, key, ts, Number.NaN, true)
    rule.previous = new Map([...current].map(([key, { labels }]) => [key, labels]))
    rule.status.health = 'ok'
    delete rule.status.stateReason
  } catch (error) {
    rule.status.health = 'error'
    rule.status.stateReason = error instanceof Error ? error.message : String(error)
  }
  rule.status.evaluationMs = performance.now() - started
}
