import { type Clock, parseInput, uuidv7 } from '@opskit/core'
import { z } from 'zod'
import { MonitorError } from '../errors/monitor-error.js'
import type { LabelMatcher } from '../labels/label-matchers.js'
import { matches } from '../labels/label-matchers.js'
import type { Labels } from '../labels/labels.js'
import { formatMatcher, type MatcherInput, matchesAll, parseMatcher } from './matchers.js'

/** State of a silence, derived from the clock. */
export type SilenceState = 'pending' | 'active' | 'expired'

/** Input of `monitor.alerts.silence()`. */
export interface SilenceInput {
  /** One matcher set (all must match) or several (any set may match). */
  matchers: MatcherInput[] | MatcherInput[][]
  /** @default now */
  startsAt?: Date | number
  endsAt: Date | number
  createdBy: string
  comment: string
}

/** A stored silence. */
export interface Silence {
  id: string
  /** Matchers in text form, per set. */
  matchers: string[][]
  startsAt: number
  endsAt: number
  createdBy: string
  comment: string
  updatedAt: number
}

const inputSchema = z
  .object({
    matchers: z.union([z.array(z.any()).min(1), z.array(z.array(z.any()).min(1)).min(1)]),
    startsAt: z.union([z.date(), z.number()]).optional(),
    endsAt: z.union([z.date(), z.number()]),
    createdBy: z.string().min(1).max(200),
    comment: z.string().min(1).max(2000),
  })
  .strict()

const toMs = (v: Date | number) => (typeof v === 'number' ? v : v.getTime())

/** Silences with Alertmanager's validation and update rules. */
export interface Silences {
  create(input: SilenceInput): Silence
  /** Changes `endsAt` (active) or `startsAt`/`endsAt` (pending), as Alertmanager allows; otherwise throws. */
  update(id: string, change: { startsAt?: Date | number; endsAt?: Date | number }): Silence
  expire(id: string): Silence
  get(id: string): Silence | undefined
  list(): Array<Silence & { state: SilenceState }>
  state(silence: Silence): SilenceState
  /** The id of an active silence muting `labels`, if any. */
  mutedBy(labels: Labels): string | undefined
  /** Drops silences expired for longer than `retentionMs`. */
  gc(retentionMs: number): void
  restore(silences: Silence[]): void
}

/** Builds {@link Silences}; `onChange` is called with each silence created or changed. */
export function createSilences(
  clock: Clock,
  onChange: (silence: Silence) => void = () => undefined,
): Silences {
  const silences = new Map<string, { silence: Silence; sets: LabelMatcher[][] }>()
  const invalid = (message: string) => new MonitorError('MONITOR_INVALID_SILENCE', message)
  const compile = (sets: string[][]) =>
    sets.map((set) => set.map((m) => parseMatcher(m, 'MONITOR_INVALID_SILENCE')))
  const state = (s: Silence): SilenceState => {
    const now = clock.now()
    if (now < s.startsAt) return 'pending'
    if (now >= s.endsAt) return 'expired'
    return 'active'
  }
  const getOrThrow = (id: string) => {
    const found = silences.get(id)
    if (!found) throw new MonitorError('MONITOR_SILENCE_NOT_FOUND', `no silence with id ${id}`)
    return found
  }
  const save = (entry: { silence: Silence; sets: LabelMatcher[][] }) => {
    entry.silence.updatedAt = clock.now()
    silences.set(entry.silence.id, entry)
    onChange({ ...entry.silence })
    return { ...entry.silence }
  }
  return {
    create(input) {
      const parsed = parseInput(
        inputSchema,
        input,
        (message, issues) =>
          new MonitorError('MONITOR_INVALID_SILENCE', `invalid silence: ${message}`, { details: { issues } }),
      )
      const rawSets = (
        Array.isArray(parsed.matchers[0]) ? parsed.matchers : [parsed.matchers]
      ) as MatcherInput[][]
      const sets = rawSets.map((set) => set.map((m) => parseMatcher(m, 'MONITOR_INVALID_SILENCE')))
      for (const set of sets) {
        if (set.every((m) => matches(m, {})))
          throw invalid(
            'each matcher set needs at least one matcher that does not match the empty string (no "silence everything")',
          )
      }
      const now = clock.now()
      const startsAt = parsed.startsAt !== undefined ? toMs(parsed.startsAt) : now
      const endsAt = toMs(parsed.endsAt)
      if (!Number.isFinite(startsAt) || !Number.isFinite(endsAt) || startsAt <= 0 || endsAt <= 0)
        throw invalid('times must be set')
      if (endsAt < startsAt) throw invalid('endsAt must not be before startsAt')
      if (endsAt < now) throw invalid('endsAt is in the past')
      return save({
        silence: {
          id: uuidv7(),
          matchers: sets.map((set) => set.map(formatMatcher)),
          startsAt: Math.max(startsAt, now),
          endsAt,
          createdBy: parsed.createdBy,
          comment: parsed.comment,
          updatedAt: now,
        },
        sets,
      })
    },
    update(id, change) {
      const entry = getOrThrow(id)
      const now = clock.now()
      const current = state(entry.silence)
      if (current === 'expired') throw invalid('an expired silence is immutable; create a new one')
      const startsAt = change.startsAt !== undefined ? toMs(change.startsAt) : entry.silence.startsAt
      const endsAt = change.endsAt !== undefined ? toMs(change.endsAt) : entry.silence.endsAt
      if (current === 'active' && startsAt !== entry.silence.startsAt)
        throw invalid('the start of an active silence cannot change; expire it and create a new one')
      if (current === 'pending' && startsAt < now)
        throw invalid('a pending silence can only start now or later')
      if (endsAt < now) throw invalid('endsAt cannot move into the past; expire the silence instead')
      if (endsAt < startsAt) throw invalid('endsAt must not be before startsAt')
      entry.silence = { ...entry.silence, startsAt, endsAt }
      return save(entry)
    },
    expire(id) {
      const entry = getOrThrow(id)
      const now = clock.now()
      const current = state(entry.silence)
      if (current === 'expired') return { ...entry.silence }
      entry.silence =
        current === 'pending'
          ? { ...entry.silence, startsAt: now, endsAt: now }
          : { ...entry.silence, endsAt: now }
      return save(entry)
    },
    get: (id) => {
      const found = silences.get(id)
      return found ? { ...found.silence } : undefined
    },
    list: () => [...silences.values()].map((e) => ({ ...e.silence, state: state(e.silence) })),
    state,
    mutedBy(labels) {
      for (const { silence, sets } of silences.values()) {
        if (state(silence) !== 'active') continue
        if (sets.some((set) => matchesAll(set, labels))) return silence.id
      }
      return undefined
    },
    gc(retentionMs) {
      const now = clock.now()
      for (const [id, e] of silences) if (e.silence.endsAt < now - retentionMs) silences.delete(id)
    },
    restore(list) {
      for (const silence of list)
        silences.set(silence.id, { silence: { ...silence }, sets: compile(silence.matchers) })
    },
  }
}
