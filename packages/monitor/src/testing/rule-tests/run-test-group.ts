import { systemClock } from '@opskit/core'
import { type Labels, labelsKey } from '../../labels/labels.js'
import { formatGoDuration, formatPrometheusDuration } from '../../rules/promql/prometheus-duration.js'
import { createRuleEngine } from '../../rules/rule-engine.js'
import type { RuleEngine } from '../../rules/rule-engine-types.js'
import { addRuleGroups, type RuleGroup } from '../../rules/rule-file.js'
import type { TimedSample } from '../../rules/sample-history.js'
import {
  compareLabels,
  formatAlerts,
  formatSamples,
  indentLines,
  type LabelsAndAnnotations,
  plainMessage,
  sortAlerts,
} from './promtool-text.js'
import { parseInputSeries, parseSeriesLabels } from './series-notation.js'
import type { AlertRuleTest, PromqlExprTest, TestGroup } from './test-file.js'

/** Go's `%q` of a string (close enough to JSON for expressions). */
const goQuote = (text: string) => JSON.stringify(text)

/** The input series as timestamped samples: step i at `i × interval` from 0; a later duplicate series wins. */
function inputSamples(group: TestGroup, intervalMs: number): TimedSample[] {
  const bySeries = new Map<string, TimedSample[]>()
  for (const entry of group.input_series) {
    const series = parseInputSeries(entry)
    const samples: TimedSample[] = []
    series.steps.forEach((step, i) => {
      const timestamp = i * intervalMs
      if (step.kind === 'value')
        samples.push({ name: series.name, labels: series.labels, value: step.value, timestamp })
      else if (step.kind === 'stale')
        samples.push({ name: series.name, labels: series.labels, value: Number.NaN, timestamp, stale: true })
    })
    bySeries.set(`${series.name}\u0000${labelsKey(series.labels)}`, samples)
  }
  return [...bySeries.values()].flat()
}

const canonical = (alerts: LabelsAndAnnotations[]) =>
  JSON.stringify(
    sortAlerts(alerts).map((a) => [Object.entries(a.labels).sort(), Object.entries(a.annotations).sort()]),
  )

/** Compares the firing alerts of `test.alertname` with the expected ones; a promtool-worded failure or undefined. */
function checkAlerts(
  engine: RuleEngine,
  test: AlertRuleTest,
  groupName: string | undefined,
): string | undefined {
  const got: LabelsAndAnnotations[] = engine
    .instances()
    .filter((i) => i.state === 'firing' && i.labels.alertname === test.alertname)
    .map((i) => ({ labels: { ...i.labels }, annotations: { ...i.annotations } }))
  const expected: LabelsAndAnnotations[] = test.exp_alerts.map((a) => ({
    labels: { ...(a.exp_labels ?? {}), alertname: test.alertname },
    annotations: { ...(a.exp_annotations ?? {}) },
  }))
  if (canonical(got) === canonical(expected)) return undefined
  const name = groupName ? `    name: ${groupName},\n` : ''
  const exp = indentLines(formatAlerts(sortAlerts(expected)), '            ')
  const gotText = indentLines(formatAlerts(sortAlerts(got)), '            ')
  return `${name}    alertname: ${test.alertname}, time: ${formatPrometheusDuration(test.eval_time)}, \n        exp:${exp}, \n        got:${gotText}`
}

/** Runs one `promql_expr_test` on the history; a promtool-worded failure or undefined. */
function checkExpression(engine: RuleEngine, test: PromqlExprTest): string | undefined {
  const where = `    expr: ${goQuote(test.expr)}, time: ${formatPrometheusDuration(test.eval_time)}`
  let got: Array<{ labels: Labels; value: number }>
  try {
    const value = engine.query(test.expr, { at: test.eval_time })
    got =
      value.kind === 'scalar'
        ? [{ labels: {}, value: value.value }]
        : value.elements.map((e) => ({
            labels: e.name ? { __name__: e.name, ...e.labels } : e.labels,
            value: e.value,
          }))
  } catch (error) {
    return `${where}, err: ${plainMessage(error)}`
  }
  const expected: Array<{ labels: Labels; value: number }> = []
  for (const sample of test.exp_samples) {
    try {
      const { name, labels } = parseSeriesLabels(sample.labels)
      expected.push({ labels: name ? { __name__: name, ...labels } : labels, value: sample.value })
    } catch (error) {
      return `${where}, err: labels ${goQuote(sample.labels)}: ${plainMessage(error)}`
    }
  }
  const byLabels = (a: { labels: Labels }, b: { labels: Labels }) => compareLabels(a.labels, b.labels)
  const exp = [...expected].sort(byLabels)
  const gotSorted = [...got].sort(byLabels)
  const same =
    exp.length === gotSorted.length &&
    exp.every((e, i) => {
      const g = gotSorted[i] as { labels: Labels; value: number }
      return compareLabels(e.labels, g.labels) === 0 && e.value === g.value
    })
  if (same) return undefined
  return `${where},\n        exp: ${formatSamples(exp)}\n        got: ${formatSamples(gotSorted)}`
}

/**
 * Runs one entry of `tests` as promtool does: the rules are evaluated every `evalIntervalMs` from
 * 0 to the last `eval_time`; an alert test is checked against the evaluation at or just before its
 * `eval_time`; expression tests query the history (input and recorded series) afterwards. A rule
 * that fails to evaluate ends the group. Gives promtool-worded failures.
 */
export async function runTestGroup(
  group: TestGroup,
  evalIntervalMs: number,
  rules: RuleGroup[],
): Promise<string[]> {
  const engine = createRuleEngine({
    source: { collect: () => [] },
    clock: systemClock,
    sink: () => undefined,
    retentionMs: Number.POSITIVE_INFINITY,
  })
  try {
    engine.append(inputSamples(group, group.interval || evalIntervalMs))
    addRuleGroups(engine, rules)
  } catch (error) {
    return [plainMessage(error)]
  }
  const alertTests = new Map<number, AlertRuleTest[]>()
  for (const test of group.alert_rule_test) {
    if (!test.alertname) {
      const where = group.name ? ` (in TestGroup ${group.name})` : ''
      return [
        `an item under alert_rule_test misses required attribute alertname at eval_time ${formatPrometheusDuration(test.eval_time)}${where}`,
      ]
    }
    alertTests.set(test.eval_time, [...(alertTests.get(test.eval_time) ?? []), test])
  }
  const alertTimes = [...alertTests.keys()].sort((a, b) => a - b)
  const maxEvalTime = Math.max(0, ...alertTimes, ...group.promql_expr_test.map((t) => t.eval_time))
  const errors: string[] = []
  let next = 0
  for (let ts = 0; ts <= maxEvalTime; ts += evalIntervalMs) {
    await engine.evaluate(ts)
    const failed = engine.rules().filter((r) => r.health === 'error')
    if (failed.length > 0) {
      for (const rule of failed)
        errors.push(
          `    rule: ${rule.name}, time: ${formatGoDuration(ts)}, err: ${plainMessage(rule.stateReason ?? 'error')}`,
        )
      return errors
    }
    while (next < alertTimes.length && (alertTimes[next] as number) < ts + evalIntervalMs) {
      for (const test of alertTests.get(alertTimes[next] as number) ?? []) {
        const failure = checkAlerts(engine, test, group.name)
        if (failure) errors.push(failure)
      }
      next++
    }
  }
  for (const test of group.promql_expr_test) {
    const failure = checkExpression(engine, test)
    if (failure) errors.push(failure)
  }
  return errors
}
