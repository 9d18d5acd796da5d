// LiquidJS's parsed templates (the AST `liquid.parse()` returns) compiled into one closure per
// node: text, outputs, `if`/`elsif`/`else`, `unless`, `for` (with `else` and `forloop`), `assign`,
// `render` of a registered partial with arguments, and comments. Anything else throws
// `Unsupported` at compile time, and the part keeps rendering through LiquidJS.
import {
  AssignTag,
  CommentTag,
  type Context,
  ForTag,
  IfTag,
  InlineCommentTag,
  isFalsy,
  isTruthy as liquidIsTruthy,
  Output,
  RenderTag,
  type Template,
  type Token,
  TypeGuards,
  UnlessTag,
  type Value,
} from 'liquidjs'
import {
  compileToken,
  compileValue,
  type Evaluate,
  type ExpressionScope,
  isLiteralDrop,
  isLiteralDropToken,
  type LoopState,
  unsupported,
} from './compile-expression.js'
import { bail, isTruthy, stringify, toEnumerable } from './values.js'

/** Renders compiled templates in a LiquidJS context; throws `BAILOUT` (or any error) to hand over to LiquidJS. */
export type RenderFast = (ctx: Context) => string

/** What compiling needs besides the expression scope: the compiled partials, looked up at render time. */
export interface TemplateScope extends ExpressionScope {
  /** The compiled form of a registered partial of the same engine, or undefined (not registered, or not compiled). */
  partial(name: string): RenderFast | undefined
}

type Branch = { value: Value; templates: Template[]; test?: unknown }

function compileIf(tag: IfTag | UnlessTag, scope: TemplateScope): RenderFast {
  const branches = (tag.branches as Branch[]).map((branch) => {
    const test = branch.test === undefined || branch.test === liquidIsTruthy ? 'truthy' : branch.test
    if (test !== 'truthy' && test !== isFalsy) unsupported('unless test')
    return {
      // conditions are lenient (lenientIf): an undefined variable there is nil
      value: compileValue(branch.value, scope.liquid.options.lenientIf, scope),
      whenTruthy: test === 'truthy',
      body: compileTemplates(branch.templates, scope),
    }
  })
  const otherwise = compileTemplates(tag.elseTemplates ?? [], scope)
  return (ctx) => {
    for (const branch of branches) {
      if (isTruthy(branch.value(ctx)) === branch.whenTruthy) return branch.body(ctx)
    }
    return otherwise(ctx)
  }
}

interface ForInternals {
  variable: string
  collection: Token
  hash: { hash: Record<string, unknown> }
  templates: Template[]
  elseTemplates: Template[]
}

function compileFor(tag: ForTag, scope: TemplateScope): RenderFast {
  const internals = tag as unknown as ForInternals
  if (Object.keys(internals.hash.hash).length > 0) unsupported('for with offset, limit or reversed')
  if (internals.variable === 'forloop') unsupported('for forloop in …')
  if (!TypeGuards.isPropertyAccessToken(internals.collection)) unsupported('for over a range or literal')
  const collection = compileToken(internals.collection, false, scope)
  const variable = internals.variable
  const name = `${variable}-${internals.collection.getText()}`
  const body = compileTemplates(internals.templates, { ...scope, inLoop: true })
  const otherwise = compileTemplates(internals.elseTemplates, scope)
  return (ctx) => {
    const items = toEnumerable(collection(ctx))
    if (items.length === 0) return otherwise(ctx)
    const loop: LoopState = { index0: 0, length: items.length, name }
    const frame = Object.create(null) as Record<string, unknown>
    frame.forloop = loop
    ctx.push(frame)
    let out = ''
    for (const item of items) {
      frame[variable] = item
      // the render deadline is checked on every iteration, even of an empty body (as LiquidJS does)
      ctx.renderLimit.check()
      out += body(ctx)
      loop.index0++
    }
    ctx.pop()
    return out
  }
}

function compileAssign(tag: AssignTag, scope: TemplateScope): RenderFast {
  const { key, value } = tag as unknown as { key: string; value: Value }
  if (value.filters.length === 0 && isLiteralDrop(value.initial)) unsupported('assign of nil, empty or blank')
  const evaluate = compileValue(value, scope.liquid.options.lenientIf, scope)
  return (ctx) => {
    ;(ctx.bottom() as Record<string, unknown>)[key] = evaluate(ctx)
    return ''
  }
}

interface RenderInternals {
  file: unknown
  with?: unknown
  forBinding?: unknown
  hash: { hash: Record<string, Token | undefined> }
}

function compileRender(tag: RenderTag, scope: TemplateScope): RenderFast {
  const internals = tag as unknown as RenderInternals
  const file = internals.file
  if (typeof file !== 'string' || file === '') unsupported('render of a computed partial name')
  if (internals.with || internals.forBinding) unsupported('render with/for')
  const args: Array<[string, Evaluate]> = Object.entries(internals.hash.hash).map(([key, token]) => {
    if (key === '__proto__') unsupported('render argument __proto__')
    if (token === undefined) return [key, () => true]
    if (isLiteralDropToken(token)) unsupported('render argument nil, empty or blank')
    return [key, compileToken(token, false, scope)]
  })
  return (ctx) => {
    const values = args.map(([key, evaluate]) => [key, evaluate(ctx)] as const)
    const partial = scope.partial(file) ?? bail()
    // the partial sees only its arguments (and the globals), as LiquidJS's `render` gives it
    const child = ctx.spawn()
    const bottom = child.bottom() as Record<string, unknown>
    for (const [key, value] of values) bottom[key] = value
    return partial(child)
  }
}

function compileNode(node: Template, scope: TemplateScope): RenderFast {
  const token = (node as { token?: unknown }).token
  if (TypeGuards.isHTMLToken(token)) {
    const text = (node as unknown as { str: string }).str
    return () => text
  }
  switch (node.constructor) {
    case Output: {
      const value = compileValue((node as Output).value, false, scope)
      return (ctx) => stringify(value(ctx))
    }
    case IfTag:
    case UnlessTag:
      return compileIf(node as IfTag | UnlessTag, scope)
    case ForTag:
      return compileFor(node as ForTag, scope)
    case AssignTag:
      return compileAssign(node as AssignTag, scope)
    case RenderTag:
      return compileRender(node as RenderTag, scope)
    case CommentTag:
    case InlineCommentTag:
      return () => ''
    default:
      return unsupported(`node ${(node as { name?: string }).name ?? node.constructor.name}`)
  }
}

/**
 * Compiles a list of parsed templates; throws `Unsupported` when any node, filter or form is not
 * one the fast path renders exactly as LiquidJS does.
 */
export function compileTemplates(templates: readonly Template[], scope: TemplateScope): RenderFast {
  const nodes = templates.map((node) => compileNode(node, scope))
  if (nodes.length === 0) return () => ''
  return (ctx) => {
    // LiquidJS checks the render deadline before each list of nodes (and each node); so do we, per list
    ctx.renderLimit.check()
    let out = ''
    for (const node of nodes) out += node(ctx)
    return out
  }
}
