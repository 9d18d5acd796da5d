// The compiled fast path of template rendering: LiquidJS parses (and keeps rendering whatever the
// fast path does not cover); the parsed templates of the common forms are compiled once into
// closures that render without LiquidJS's per-render interpretation, with the same output.
import { defaultOperators, type Liquid, type Template } from 'liquidjs'
import { Unsupported } from './compile-expression.js'
import { compileTemplates, type RenderFast } from './compile-templates.js'

export type { RenderFast } from './compile-templates.js'
export { BAILOUT } from './values.js'

/**
 * The filters the fast path calls: LiquidJS's own functions (synchronous, reading nothing of the
 * context but its memory limit and options) and the notifier's format filters. Any other filter
 * (`where`, `map`, `sort`, … evaluate expressions through the context) keeps a template on LiquidJS.
 */
const FAST_FILTERS: ReadonlySet<string> = new Set([
  'default',
  'raw',
  'escape',
  'escape_once',
  'upcase',
  'downcase',
  'capitalize',
  'append',
  'prepend',
  'strip',
  'lstrip',
  'rstrip',
  'strip_newlines',
  'strip_html',
  'newline_to_br',
  'truncate',
  'truncatewords',
  'replace',
  'replace_first',
  'remove',
  'remove_first',
  'split',
  'size',
  'join',
  'first',
  'last',
  'plus',
  'minus',
  'times',
  'divided_by',
  'modulo',
  'round',
  'floor',
  'ceil',
  'abs',
  'at_least',
  'at_most',
  'url_encode',
  'date',
  'money',
  'number',
  'percent',
  'datetime',
])

/** The options the fast path copies the semantics of; an engine configured otherwise never takes it. */
function copiesSemanticsOf(liquid: Liquid): boolean {
  const options = liquid.options
  return (
    options.strictVariables === true &&
    options.ownPropertyOnly === true &&
    options.jsTruthy === false &&
    options.keepOutputType === false &&
    options.catchAllErrors !== true &&
    options.operators === defaultOperators
  )
}

/**
 * Compiles parsed templates into a closure rendering them in a LiquidJS context, or returns
 * undefined when they use a tag, filter or form the fast path does not cover. The closure throws
 * (`BAILOUT`, or whatever error it meets) where LiquidJS would throw or do something the fast
 * path does not copy: the caller then renders with LiquidJS, which gives the output or the error.
 */
export function compileFast(
  templates: readonly Template[],
  liquid: Liquid,
  partial: (name: string) => RenderFast | undefined,
): RenderFast | undefined {
  if (!copiesSemanticsOf(liquid)) return undefined
  try {
    return compileTemplates(templates, { liquid, filters: FAST_FILTERS, inLoop: false, partial })
  } catch (error) {
    if (error instanceof Unsupported) return undefined
    throw error
  }
}
