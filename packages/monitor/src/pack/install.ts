import { noopLogger } from '@opskit/core'
import { loggingErrorHandler } from '../collectors/collector-errors.js'
import { readDiskSpace, registerDiskCollector } from '../collectors/disk-collector.js'
import { registerHostCollector } from '../collectors/host-collector.js'
import { registerPoolCollector } from '../collectors/pool-collector.js'
import { registerRuntimeCollector } from '../collectors/runtime-collector.js'
import { registerSqliteCollector } from '../collectors/sqlite-collector.js'
import { MonitorError } from '../errors/monitor-error.js'
import type { MetricsRegistry } from '../metrics/register.js'
import type { Alerts } from '../monitor/alerts-types.js'
import { type DefaultRule, rulesFor } from './default-rules.js'
import { type DefaultRulePackOptions, type ParsedPackOptions, parsePackOptions } from './pack-options.js'
import { ruleFileText } from './rule-file-text.js'

/** What the pack installs on: a monitor (`createMonitor`) or anything with its registry and rules. */
export interface RulePackTarget {
  readonly registry: MetricsRegistry
  readonly alerts: Pick<Alerts, 'addRule' | 'removeRule'>
}

/** An installed default rule pack. */
export interface DefaultRulePack {
  /** The rules added to the monitor. */
  readonly rules: readonly DefaultRule[]
  /** The same rules as a Prometheus rule file (YAML), for a Prometheus scraping `/metrics`. */
  ruleFile(): string
  /** Removes the rules and the collectors' metrics this pack registered. Idempotent. */
  close(): void
}

/** Rule ids of the pack in the engine, apart from the host's own rules. */
const RULE_ID_PREFIX = 'opskit-default-pack/'
const installed = new WeakSet<MetricsRegistry>()

async function checkDiskPaths(paths: readonly string[]): Promise<void> {
  for (const path of paths) {
    try {
      await readDiskSpace(path)
    } catch (error) {
      throw new MonitorError(
        'MONITOR_INVALID_OPTIONS',
        `diskPaths: cannot statfs ${path}: ${(error as Error).message}`,
        { cause: error },
      )
    }
  }
}

/** The `cacheMs` option, when given, as collector options. */
const cache = (options: ParsedPackOptions) =>
  options.cacheMs !== undefined ? { cacheMs: options.cacheMs } : {}

/** Registers every collector the options call for; the names registered (all removed again on failure). */
async function registerCollectors(registry: MetricsRegistry, options: ParsedPackOptions): Promise<string[]> {
  const onError = loggingErrorHandler(options.logger ?? noopLogger)
  const before = new Set(registry.getMetricsAsArray().map((m) => m.name))
  const added: string[] = []
  try {
    added.push(...registerRuntimeCollector(registry), ...registerHostCollector(registry))
    if (options.diskPaths?.length)
      added.push(...registerDiskCollector(registry, { paths: options.diskPaths, onError, ...cache(options) }))
    if (options.pools && Object.keys(options.pools).length > 0)
      added.push(...registerPoolCollector(registry, options.pools))
    if (options.sqlite && Object.keys(options.sqlite).length > 0)
      added.push(
        ...(await registerSqliteCollector(registry, {
          databases: options.sqlite,
          onError,
          ...cache(options),
          ...(options.sqliteProbeTimeoutMs !== undefined
            ? { probeTimeoutMs: options.sqliteProbeTimeoutMs }
            : {}),
        })),
      )
    return added
  } catch (error) {
    // everything registered since the start, also by a collector that failed halfway
    for (const metric of registry.getMetricsAsArray())
      if (!before.has(metric.name)) registry.removeSingleMetric(metric.name)
    throw error
  }
}

/**
 * Installs the default rule pack on a monitor in one call: registers the collectors the rules
 * read (prom-client's default process metrics when missing, V8's heap limit, host CPU and memory,
 * `statfs` of `diskPaths`, the state of `pools` and of `sqlite` handles) on the monitor's
 * registry and adds the rules (see `defaultRules`). Opt-in; thresholds, `for` and labels are
 * overridable. Invalid options or an unreadable disk path throw `MONITOR_INVALID_OPTIONS` with
 * nothing registered; installing twice on one registry (without `close()`) too.
 *
 * @example
 * ```ts
 * const pack = await installDefaultRulePack(monitor, {
 *   diskPaths: ['/var/lib/app'],
 *   pools: { main: pgPool },
 *   thresholds: { httpErrorRatio: 0.02 },
 * })
 * writeFileSync('opskit-rules.yml', pack.ruleFile()) // the same rules for Prometheus
 * ```
 */
export async function installDefaultRulePack(
  monitor: RulePackTarget,
  options?: DefaultRulePackOptions,
): Promise<DefaultRulePack> {
  const parsed = parsePackOptions(options)
  const rules = rulesFor(parsed)
  const { registry } = monitor
  if (installed.has(registry))
    throw new MonitorError(
      'MONITOR_INVALID_OPTIONS',
      'the default rule pack is already installed on this registry',
    )
  installed.add(registry) // before the first await, so that two concurrent installs cannot both pass
  let added: string[]
  try {
    await checkDiskPaths(parsed.diskPaths ?? [])
    added = await registerCollectors(registry, parsed)
  } catch (error) {
    installed.delete(registry)
    throw error
  }
  for (const rule of rules) monitor.alerts.addRule({ ...rule, id: `${RULE_ID_PREFIX}${rule.name}` })
  let closed = false
  return {
    rules,
    ruleFile: () => ruleFileText(rules),
    close() {
      if (closed) return
      closed = true
      for (const rule of rules) monitor.alerts.removeRule(`${RULE_ID_PREFIX}${rule.name}`)
      for (const name of added) registry.removeSingleMetric(name)
      installed.delete(registry)
    },
  }
}
