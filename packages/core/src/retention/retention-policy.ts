import { type Duration, parseDuration } from '../time/duration.js'

/** How long one kind of record is kept. At least one of the two is set. */
export interface RetentionRule {
  /** Remove records older than this: a {@link Duration} before now (`'30d'`) or an instant. */
  olderThan?: Duration | Date | undefined
  /**
   * Whatever `olderThan` says, keep the newest `keepLast` records (of each owner, where the kind
   * has one: each user's inbox, each report's runs). Alone, removes all but the newest `keepLast`.
   */
  keepLast?: number | undefined
}

/**
 * A retention policy: a rule per kind of record. Kinds left out are kept forever: nothing is
 * deleted unless the host sets a rule.
 *
 * @example
 * ```ts
 * await notifier.applyRetention({ deliveries: { olderThan: '90d' }, inbox: { olderThan: '30d', keepLast: 50 } })
 * ```
 */
export type RetentionPolicy<Kind extends string> = { readonly [K in Kind]?: RetentionRule }

/** What one `applyRetention` run removed, per kind (0 for kinds without a rule). */
export interface RetentionReport<Kind extends string> {
  /** Records removed, per kind. */
  removed: Record<Kind, number>
  /** When the run started. */
  startedAt: Date
  /** How long the run took. */
  durationMs: number
}

/** A rule resolved against the run's clock: `cutoff` in epoch ms (remove older), `keepLast` a count. */
export interface ResolvedRetentionRule {
  cutoff?: number
  keepLast?: number
}

/**
 * Checks a policy against a package's kinds and resolves each rule's `olderThan` to an epoch-ms
 * cutoff at `now`. Throws `invalid(message)` for an unknown kind, a rule with neither field, a
 * malformed duration or instant, or a `keepLast` that is not a non-negative integer; `keepLast`
 * is refused for kinds not listed in `keepLastKinds`.
 */
export function resolveRetentionPolicy<Kind extends string>(
  policy: RetentionPolicy<Kind>,
  kinds: {
    all: readonly Kind[]
    keepLast: readonly Kind[]
  },
  now: number,
  invalid: (message: string) => Error,
): Map<Kind, ResolvedRetentionRule> {
  if (policy === null || typeof policy !== 'object' || Array.isArray(policy))
    throw invalid('retention policy must be an object of rules per kind')
  const resolved = new Map<Kind, ResolvedRetentionRule>()
  for (const [kind, rule] of Object.entries(policy) as Array<[string, RetentionRule | undefined]>) {
    if (rule === undefined) continue
    if (!(kinds.all as readonly string[]).includes(kind))
      throw invalid(`retention: unknown kind "${kind}" (known: ${kinds.all.join(', ')})`)
    resolved.set(kind as Kind, resolveRule(kind as Kind, rule, kinds.keepLast, now, invalid))
  }
  return resolved
}

function resolveRule<Kind extends string>(
  kind: Kind,
  rule: RetentionRule,
  keepLastKinds: readonly Kind[],
  now: number,
  invalid: (message: string) => Error,
): ResolvedRetentionRule {
  if (rule === null || typeof rule !== 'object')
    throw invalid(`retention.${kind}: expected { olderThan?, keepLast? }`)
  if (rule.olderThan === undefined && rule.keepLast === undefined)
    throw invalid(`retention.${kind}: set olderThan, keepLast or both`)
  const out: ResolvedRetentionRule = {}
  if (rule.olderThan !== undefined)
    out.cutoff = cutoffOf(rule.olderThan, `retention.${kind}.olderThan`, now, invalid)
  if (rule.keepLast !== undefined) {
    if (!keepLastKinds.includes(kind))
      throw invalid(`retention.${kind}: keepLast does not apply to this kind`)
    if (!Number.isSafeInteger(rule.keepLast) || rule.keepLast < 0)
      throw invalid(`retention.${kind}.keepLast must be a non-negative integer`)
    out.keepLast = rule.keepLast
  }
  return out
}

function cutoffOf(
  olderThan: Duration | Date,
  field: string,
  now: number,
  invalid: (m: string) => Error,
): number {
  if (olderThan instanceof Date) {
    const at = olderThan.getTime()
    if (Number.isNaN(at)) throw invalid(`${field} is an invalid Date`)
    return at
  }
  return now - parseDuration(olderThan, field, invalid)
}

/** A report with 0 removed for each kind, to fill in as a run goes. */
export function emptyRetentionReport<Kind extends string>(
  kinds: readonly Kind[],
  startedAt: Date,
): RetentionReport<Kind> {
  const removed = {} as Record<Kind, number>
  for (const kind of kinds) removed[kind] = 0
  return { removed, startedAt, durationMs: 0 }
}
