import { parseInput } from '@opskit/core'
import { z } from 'zod'
import { MonitorError } from '../errors/monitor-error.js'
import type { LabelMatcher } from '../labels/label-matchers.js'
import type { Labels } from '../labels/labels.js'
import { type Duration, parseDuration } from '../rules/duration.js'
import { durationString } from '../validation/duration-schema.js'
import { type MatcherInput, matchesAll, parseMatcher } from './matchers.js'

/** A node of the routing tree (Alertmanager's `<route>`). Unset fields are inherited from the parent. */
export interface RouteConfig {
  receiver?: string | undefined
  /** Labels to group by; `['...']` groups by every label (no grouping). */
  groupBy?: string[] | undefined
  /** @default '30s' */
  groupWait?: Duration | undefined
  /** @default '5m' */
  groupInterval?: Duration | undefined
  /** @default '4h' */
  repeatInterval?: Duration | undefined
  /** All must match; not allowed on the root. */
  matchers?: MatcherInput[] | undefined
  /** Keep trying later siblings after this route matched. @default false */
  continue?: boolean | undefined
  /**
   * Named time intervals (`alerts.timeInterval`) during which this route sends nothing; not
   * inherited by child routes, not allowed on the root (as in Alertmanager).
   */
  muteTimeIntervals?: string[] | undefined
  /** Named time intervals outside which this route sends nothing; mute intervals win. Not inherited. */
  activeTimeIntervals?: string[] | undefined
  routes?: RouteConfig[] | undefined
}

/** A compiled route with inherited settings. */
export interface RouteNode {
  id: string
  receiver: string
  groupBy: string[] | 'all'
  groupWaitMs: number
  groupIntervalMs: number
  repeatIntervalMs: number
  matchers: LabelMatcher[]
  continue: boolean
  muteTimeIntervals: string[]
  activeTimeIntervals: string[]
  children: RouteNode[]
}

const routeSchema: z.ZodType<RouteConfig> = z.lazy(() =>
  z
    .object({
      receiver: z.string().min(1).optional(),
      groupBy: z.array(z.string().min(1)).optional(),
      groupWait: z.union([z.number().nonnegative(), durationString]).optional(),
      groupInterval: z.union([z.number().positive(), durationString]).optional(),
      repeatInterval: z.union([z.number().positive(), durationString]).optional(),
      matchers: z
        .array(
          z.union([
            z.string(),
            z.object({ name: z.string(), op: z.enum(['=', '!=', '=~', '!~']).optional(), value: z.string() }),
          ]),
        )
        .optional(),
      continue: z.boolean().optional(),
      muteTimeIntervals: z.array(z.string().min(1)).optional(),
      activeTimeIntervals: z.array(z.string().min(1)).optional(),
      routes: z.array(routeSchema).optional(),
    })
    .strict(),
)

/**
 * Compiles and validates a routing tree; the root needs a receiver and no matchers or time
 * intervals, and every receiver and time interval named must be known.
 */
export function compileRoutes(
  config: RouteConfig,
  knownReceiver: (name: string) => boolean,
  knownTimeInterval: (name: string) => boolean = () => false,
): RouteNode {
  const root = parseInput(
    routeSchema,
    config,
    (message, issues) =>
      new MonitorError('MONITOR_INVALID_OPTIONS', `invalid route: ${message}`, { details: { issues } }),
  )
  if (!root.receiver) throw new MonitorError('MONITOR_INVALID_OPTIONS', 'the root route needs a receiver')
  if (root.matchers && root.matchers.length > 0)
    throw new MonitorError(
      'MONITOR_INVALID_OPTIONS',
      'the root route matches everything and must have no matchers',
    )
  if (root.muteTimeIntervals?.length || root.activeTimeIntervals?.length)
    throw new MonitorError('MONITOR_INVALID_OPTIONS', 'the root route cannot have time intervals')
  const build = (c: RouteConfig, parent: RouteNode | undefined, id: string): RouteNode => {
    const receiver = c.receiver ?? (parent as RouteNode).receiver
    if (!knownReceiver(receiver))
      throw new MonitorError('MONITOR_UNKNOWN_RECEIVER', `route ${id}: unknown receiver "${receiver}"`)
    const groupBy = c.groupBy
      ? c.groupBy.includes('...')
        ? 'all'
        : [...c.groupBy].sort()
      : (parent?.groupBy ?? [])
    const node: RouteNode = {
      id,
      receiver,
      groupBy,
      groupWaitMs:
        c.groupWait !== undefined
          ? parseDuration(c.groupWait, `${id}.groupWait`)
          : (parent?.groupWaitMs ?? 30_000),
      groupIntervalMs:
        c.groupInterval !== undefined
          ? parseDuration(c.groupInterval, `${id}.groupInterval`)
          : (parent?.groupIntervalMs ?? 300_000),
      repeatIntervalMs:
        c.repeatInterval !== undefined
          ? parseDuration(c.repeatInterval, `${id}.repeatInterval`)
          : (parent?.repeatIntervalMs ?? 4 * 3_600_000),
      matchers: (c.matchers ?? []).map((m) => parseMatcher(m)),
      continue: c.continue ?? false,
      muteTimeIntervals: c.muteTimeIntervals ?? [],
      activeTimeIntervals: c.activeTimeIntervals ?? [],
      children: [],
    }
    for (const interval of [...node.muteTimeIntervals, ...node.activeTimeIntervals])
      if (!knownTimeInterval(interval))
        throw new MonitorError('MONITOR_INVALID_OPTIONS', `route ${id}: unknown time interval "${interval}"`)
    if (node.groupIntervalMs <= 0)
      throw new MonitorError('MONITOR_INVALID_OPTIONS', `${id}.groupInterval must be positive`)
    node.children = (c.routes ?? []).map((child, i) => build(child, node, `${id}/${i}`))
    return node
  }
  return build(root, undefined, '{}')
}

/** The routes that handle `labels`: depth-first, first match wins unless `continue`. */
export function matchRoutes(node: RouteNode, labels: Labels): RouteNode[] {
  if (!matchesAll(node.matchers, labels)) return []
  const out: RouteNode[] = []
  for (const child of node.children) {
    const matched = matchRoutes(child, labels)
    if (matched.length === 0) continue
    out.push(...matched)
    if (!child.continue) break
  }
  return out.length > 0 ? out : [node]
}

/** The labels a route groups an alert by. */
export function groupLabelsOf(route: RouteNode, labels: Labels): Labels {
  if (route.groupBy === 'all') return { ...labels }
  const out: Labels = {}
  for (const name of route.groupBy)
    if (labels[name] !== undefined && labels[name] !== '') out[name] = labels[name] as string
  return out
}
