import { z } from 'zod'

/** Keys that would let untrusted input reach an object's prototype. */
export const FORBIDDEN_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype'])

/** Limits for {@link jsonObjectSchema}. */
export interface JsonLimits {
  /** Deepest allowed nesting of objects and arrays. @default 8 */
  maxDepth?: number
  /** Largest allowed serialised size in bytes. @default 65536 */
  maxBytes?: number
}

function checkShape(
  value: unknown,
  depth: number,
  maxDepth: number,
  ctx: z.RefinementCtx,
  path: PropertyKey[],
): boolean {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return true
  if (typeof value === 'number') {
    if (Number.isFinite(value)) return true
    ctx.addIssue({ code: 'custom', message: 'numbers must be finite', path })
    return false
  }
  if (typeof value !== 'object') {
    ctx.addIssue({ code: 'custom', message: `${typeof value} is not a JSON value`, path })
    return false
  }
  if (depth >= maxDepth) {
    ctx.addIssue({ code: 'custom', message: `nested deeper than ${maxDepth} levels`, path })
    return false
  }
  if (Array.isArray(value)) {
    return value.every((item, index) => checkShape(item, depth + 1, maxDepth, ctx, [...path, index]))
  }
  const proto = Object.getPrototypeOf(value)
  if (proto !== Object.prototype && proto !== null) {
    ctx.addIssue({ code: 'custom', message: 'only plain objects are allowed', path })
    return false
  }
  for (const key of Object.keys(value)) {
    if (FORBIDDEN_KEYS.has(key)) {
      ctx.addIssue({ code: 'custom', message: `key "${key}" is not allowed`, path: [...path, key] })
      return false
    }
    if (!checkShape((value as Record<string, unknown>)[key], depth + 1, maxDepth, ctx, [...path, key]))
      return false
  }
  return true
}

/**
 * A zod schema for a JSON object of bounded depth and size, free of prototype-pollution keys,
 * non-finite numbers and non-plain objects. Use it for free-form `metadata`, `data` and state
 * fields that cross a public boundary.
 */
export function jsonObjectSchema(limits: JsonLimits = {}): z.ZodType<Record<string, unknown>> {
  const maxDepth = limits.maxDepth ?? 8
  const maxBytes = limits.maxBytes ?? 65_536
  return z.custom<Record<string, unknown>>().superRefine((value, ctx) => {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      ctx.addIssue({ code: 'custom', message: 'expected a plain object' })
      return
    }
    if (!checkShape(value, 0, maxDepth, ctx, [])) return
    const bytes = Buffer.byteLength(JSON.stringify(value))
    if (bytes > maxBytes)
      ctx.addIssue({ code: 'custom', message: `larger than ${maxBytes} bytes (${bytes})` })
  })
}
