import type { Dialect } from './host-database.js'

/** The positional parameter marker for the `index`-th parameter (from 1): `$n` on PostgreSQL, else `?`. */
export function placeholder(dialect: Dialect, index: number): string {
  return dialect === 'postgres' ? `$${index}` : '?'
}

/**
 * Parameter markers for `rows` rows of `width` values each, as in a multi-row `VALUES` list or an
 * `IN (…)` list (one row): `(?, ?), (?, ?)`, or `($1, $2), ($3, $4)` on PostgreSQL, numbered from
 * `from`. For SQL text that stores build once and reuse, bypassing Kysely's query builder on hot
 * paths.
 */
export function placeholderRows(dialect: Dialect, rows: number, width: number, from = 1): string {
  const groups: string[] = []
  for (let row = 0; row < rows; row++) {
    const marks: string[] = []
    for (let column = 0; column < width; column++)
      marks.push(placeholder(dialect, from + row * width + column))
    groups.push(`(${marks.join(', ')})`)
  }
  return groups.join(', ')
}
