import type { ZodType, z } from 'zod'

/** One problem found in an input, with the dotted path of the field it concerns. */
export interface InputIssue {
  /** Dotted path to the offending field, e.g. `actor.id` or `to.phone`; empty for the root. */
  path: string
  /** What is wrong with it. */
  message: string
}

function formatPath(path: ReadonlyArray<PropertyKey>): string {
  return path
    .map((segment, index) =>
      typeof segment === 'number' ? `[${segment}]` : `${index === 0 ? '' : '.'}${String(segment)}`,
    )
    .join('')
}

/** Turns zod issues into {@link InputIssue}s with readable paths. */
export function describeIssues(issues: ReadonlyArray<z.core.$ZodIssue>): InputIssue[] {
  return issues.map((issue) => ({ path: formatPath(issue.path), message: issue.message }))
}

/**
 * Parses `input` with `schema`, or throws the error `makeError` builds from a readable summary.
 *
 * Every public boundary of opskit goes through this, so that bad input fails with a typed error
 * naming each offending field and nothing is written.
 *
 * @example
 * ```ts
 * const event = parseInput(eventSchema, raw, (message, issues) =>
 *   new AuditError('AUDIT_INVALID_EVENT', `invalid audit event: ${message}`, { details: { issues } }))
 * ```
 */
export function parseInput<S extends ZodType>(
  schema: S,
  input: unknown,
  makeError: (message: string, issues: InputIssue[]) => Error,
): z.output<S> {
  const result = schema.safeParse(input)
  if (result.success) return result.data
  const issues = describeIssues(result.error.issues)
  const message = issues
    .slice(0, 5)
    .map((issue) => (issue.path ? `${issue.path}: ${issue.message}` : issue.message))
    .join('; ')
  const more = issues.length > 5 ? ` (and ${issues.length - 5} more)` : ''
  throw makeError(`${message}${more}`, issues)
}
