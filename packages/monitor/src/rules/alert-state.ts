import { fingerprint, labelsKey } from '../labels/labels.js'
import type { CompiledRule, PresentSeries } from './alert-rule.js'
import type { AlertInstance, PostableAlert } from './alert-types.js'
import { renderTemplate } from './templates.js'

/** The engine settings the state machine and the send decision read. */
export interface AlertStateContext {
  /** How long resolved instances are retained (and re-sent). */
  resolvedRetentionMs: number
  /** Minimum time between re-sends of a firing alert. */
  resendDelayMs: number
  /** The evaluation interval (for `validUntil`). */
  intervalMs: number
  /** External URL used as `generatorURL`. */
  externalUrl?: string | undefined
}

function annotationsFor(rule: CompiledRule, labels: Record<string, string>, value: number) {
  if (rule.staticAnnotations) return rule.staticAnnotations
  const out: Record<string, string> = {}
  for (const [k, v] of Object.entries(rule.def.annotations ?? {})) out[k] = renderTemplate(v, labels, value)
  return out
}

function fingerprintOf(rule: CompiledRule, series: PresentSeries): string {
  if (series.fingerprint !== undefined) return series.fingerprint
  const key = labelsKey(series.labels)
  let fp = rule.fingerprints.get(key)
  if (fp === undefined) {
    fp = fingerprint(series.labels)
    if (rule.fingerprints.size > 10_000) rule.fingerprints.clear()
    rule.fingerprints.set(key, fp)
  }
  return fp
}

/** Updates or creates the instance of every present series; returns the fingerprints seen. */
function markPresent(rule: CompiledRule, ts: number, present: readonly PresentSeries[]): Set<string> {
  const seen = new Set<string>()
  for (const series of present) {
    const fp = fingerprintOf(rule, series)
    seen.add(fp)
    const existing = rule.instances.get(fp)
    const annotations = annotationsFor(rule, series.source ?? {}, series.value)
    if (existing && existing.state !== 'inactive') {
      existing.value = series.value
      existing.annotations = annotations
      delete existing.keepFiringSince
      if (series.reason) existing.stateReason = series.reason
      else delete existing.stateReason
      continue
    }
    const instance: AlertInstance = {
      fingerprint: fp,
      rule: rule.key,
      labels: series.labels,
      annotations,
      state: 'pending',
      value: series.value,
      activeAt: ts,
      ...(series.reason ? { stateReason: series.reason } : {}),
    }
    rule.instances.set(fp, instance)
    rule.targets.set(fp, series.target)
  }
  return seen
}

/** Instances no longer present: kept firing (`keep_firing_for`), dropped, or resolved. */
function markAbsent(
  rule: CompiledRule,
  ts: number,
  seen: ReadonlySet<string>,
  context: AlertStateContext,
  absentReason: string | undefined,
): void {
  for (const [fp, instance] of rule.instances) {
    if (seen.has(fp)) continue
    if (
      (instance.state === 'firing' || instance.state === 'nodata' || instance.state === 'error') &&
      rule.keepFiringForMs > 0
    ) {
      instance.keepFiringSince ??= ts
      if (ts - instance.keepFiringSince < rule.keepFiringForMs) {
        instance.stateReason = 'KeepFiring'
        continue
      }
    }
    if (
      instance.state === 'pending' ||
      (instance.resolvedAt !== undefined && ts - instance.resolvedAt > context.resolvedRetentionMs)
    ) {
      rule.instances.delete(fp)
      rule.targets.delete(fp)
      continue
    }
    if (instance.state !== 'inactive') {
      instance.state = 'inactive'
      instance.resolvedAt = ts
      if (absentReason) instance.stateReason = absentReason
      else delete instance.stateReason
    }
  }
}

/**
 * One step of Prometheus' alert state machine at `ts`: present series become (or stay)
 * pending, then fire once `for` has elapsed; absent ones resolve, after `keep_firing_for`.
 */
export function stepAlertRule(
  rule: CompiledRule,
  ts: number,
  present: readonly PresentSeries[],
  context: AlertStateContext,
  absentReason?: string,
): void {
  const seen = markPresent(rule, ts, present)
  markAbsent(rule, ts, seen, context, absentReason)
  for (const instance of rule.instances.values()) {
    if (instance.state === 'pending' && ts - instance.activeAt >= rule.forMs) {
      instance.state = rule.targets.get(instance.fingerprint) ?? 'firing'
      instance.firedAt = ts
    }
  }
}

/** The alerts of a rule to send at `ts`: new, resolved, or due for a re-send. */
export function alertsToSend(rule: CompiledRule, ts: number, context: AlertStateContext): PostableAlert[] {
  const out: PostableAlert[] = []
  for (const instance of rule.instances.values()) {
    if (instance.state === 'pending') continue
    const resolved = instance.state === 'inactive'
    const needs =
      (resolved &&
        instance.resolvedAt !== undefined &&
        (instance.lastSentAt === undefined || instance.resolvedAt > instance.lastSentAt)) ||
      instance.lastSentAt === undefined ||
      instance.lastSentAt + context.resendDelayMs < ts
    if (!needs) continue
    instance.lastSentAt = ts
    instance.validUntil = ts + 4 * Math.max(context.intervalMs, context.resendDelayMs)
    out.push({
      fingerprint: instance.fingerprint,
      labels: instance.labels,
      annotations: instance.annotations,
      startsAt: instance.activeAt,
      endsAt: resolved ? (instance.resolvedAt as number) : instance.validUntil,
      ...(context.externalUrl
        ? { generatorURL: `${context.externalUrl}#${encodeURIComponent(rule.def.name)}` }
        : {}),
    })
  }
  return out
}
