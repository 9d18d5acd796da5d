import { z } from 'zod'

/** Keys that would let untrusted input reach an object's prototype. */
export const FORBIDDEN_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype'])

/** Limits for {@link jsonObjectSchema}. */
export interface JsonLimits {
  /** Deepest allowed nesting of objects and arrays. @default 8 */
  maxDepth?: number | undefined
  /** Largest allowed serialised size in bytes. @default 65536 */
  maxBytes?: number | undefined
}

/** Whether `value` is a JSON leaf: null, a string, a boolean or a finite number. */
function isJsonLeaf(value: unknown): boolean {
  return (
    value === null ||
    typeof value === 'string' ||
    typeof value === 'boolean' ||
    (typeof value === 'number' && Number.isFinite(value))
  )
}

/**
 * Checks a JSON value's shape, reporting the first problem at its path. Returns an upper bound
 * of its serialised size in bytes (6 per string code unit, the longest escape), or `undefined`
 * after an issue. Paths are only built on the way into containers, not for every leaf.
 */
function checkShape(
  value: unknown,
  depth: number,
  maxDepth: number,
  ctx: z.RefinementCtx,
  path: PropertyKey[],
): number | undefined {
  if (isJsonLeaf(value)) return leafBound(value)
  if (typeof value === 'number') {
    ctx.addIssue({ code: 'custom', message: 'numbers must be finite', path })
    return undefined
  }
  if (typeof value !== 'object' || value === null) {
    ctx.addIssue({ code: 'custom', message: `${typeof value} is not a JSON value`, path })
    return undefined
  }
  if (depth >= maxDepth) {
    ctx.addIssue({ code: 'custom', message: `nested deeper than ${maxDepth} levels`, path })
    return undefined
  }
  let bound = 2
  if (Array.isArray(value)) {
    for (let index = 0; index < value.length; index++) {
      // A hole in a sparse array is skipped, as before, and serialises as null.
      if (!(index in value)) {
        bound += 5
        continue
      }
      const item: unknown = value[index]
      const size = isJsonLeaf(item)
        ? leafBound(item)
        : checkShape(item, depth + 1, maxDepth, ctx, [...path, index])
      if (size === undefined) return undefined
      bound += size + 1
    }
    return bound
  }
  const proto = Object.getPrototypeOf(value)
  if (proto !== Object.prototype && proto !== null) {
    ctx.addIssue({ code: 'custom', message: 'only plain objects are allowed', path })
    return undefined
  }
  for (const key of Object.keys(value)) {
    if (FORBIDDEN_KEYS.has(key)) {
      ctx.addIssue({ code: 'custom', message: `key "${key}" is not allowed`, path: [...path, key] })
      return undefined
    }
    const member = (value as Record<string, unknown>)[key]
    const size = isJsonLeaf(member)
      ? leafBound(member)
      : checkShape(member, depth + 1, maxDepth, ctx, [...path, key])
    if (size === undefined) return undefined
    bound += 6 * key.length + 4 + size
  }
  return bound
}

/** Upper bound of a JSON leaf's serialised size in bytes. */
function leafBound(value: unknown): number {
  // A number or boolean serialises to at most 24 bytes (-1.2345678901234567e-308).
  return typeof value === 'string' ? 6 * value.length + 2 : 24
}

/** Reports on `ctx` why `value` is not a bounded JSON object; returns whether it is one. */
function checkJsonObject(
  value: unknown,
  limits: JsonLimits,
  ctx: Pick<z.RefinementCtx, 'addIssue'>,
): boolean {
  const maxDepth = limits.maxDepth ?? 8
  const maxBytes = limits.maxBytes ?? 65_536
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    ctx.addIssue({ code: 'custom', message: 'expected a plain object' })
    return false
  }
  const bound = checkShape(value, 0, maxDepth, ctx as z.RefinementCtx, [])
  if (bound === undefined) return false
  // Serialise only when the cheap upper bound does not already show the value is small enough.
  if (bound <= maxBytes) return true
  const bytes = Buffer.byteLength(JSON.stringify(value))
  if (bytes <= maxBytes) return true
  ctx.addIssue({ code: 'custom', message: `larger than ${maxBytes} bytes (${bytes})` })
  return false
}

/**
 * A zod schema for a JSON object of bounded depth and size, free of prototype-pollution keys,
 * non-finite numbers and non-plain objects. Use it for free-form `metadata`, `data` and state
 * fields that cross a public boundary.
 */
export function jsonObjectSchema(limits: JsonLimits = {}): z.ZodType<Record<string, unknown>> {
  return z.custom<Record<string, unknown>>().superRefine((value, ctx) => {
    checkJsonObject(value, limits, ctx)
  })
}

const silent = { addIssue() {} }

/**
 * Whether {@link jsonObjectSchema} with the same limits accepts `value`, without building
 * issues: for hot paths that validate by hand and fall back to the schema for the error.
 */
export function isBoundedJsonObject(
  value: unknown,
  limits: JsonLimits = {},
): value is Record<string, unknown> {
  return checkJsonObject(value, limits, silent)
}
