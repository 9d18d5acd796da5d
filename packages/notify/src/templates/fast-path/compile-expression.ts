// Expressions and filtered values of LiquidJS's parsed templates as closures: variable paths,
// literals, the comparison and boolean operators, and the filters of an allow-list, called
// through LiquidJS's own filter functions with the render's LiquidJS context.
import {
  type Context,
  type Expression,
  type Filter,
  type Liquid,
  type Token,
  TypeGuards,
  type Value,
} from 'liquidjs'
import {
  BLANK,
  bail,
  checkResult,
  compare,
  contains,
  EMPTY,
  equals,
  escapeOutput,
  findScope,
  isTruthy,
  type KeyReader,
  keyReader,
  type LiteralDrop,
  NIL,
  toValue,
} from './values.js'

/** Evaluates to a value in a render's context. */
export type Evaluate = (ctx: Context) => unknown

/** Thrown at compile time: the template uses something the fast path does not compile. */
export class Unsupported extends Error {}

export function unsupported(what: string): never {
  throw new Unsupported(what)
}

/** Where a `forloop.*` path is compiled: inside a `for` body, from the innermost loop's state. */
export interface LoopState {
  index0: number
  length: number
  name: string
}

/** What an expression may refer to while compiling. */
export interface ExpressionScope {
  liquid: Liquid
  /** Filter names the fast path calls (LiquidJS's own functions, or the registered format filters). */
  filters: ReadonlySet<string>
  /** Inside a `for` body: `forloop.<field>` reads the loop state. */
  inLoop: boolean
}

/** The fields of `forloop` the fast path computes (LiquidJS's ForloopDrop methods and fields). */
const FORLOOP_FIELDS: Record<string, (loop: LoopState) => unknown> = {
  index: (loop) => loop.index0 + 1,
  index0: (loop) => loop.index0,
  first: (loop) => loop.index0 === 0,
  last: (loop) => loop.index0 === loop.length - 1,
  length: (loop) => loop.length,
  rindex: (loop) => loop.length - loop.index0,
  rindex0: (loop) => loop.length - loop.index0 - 1,
  name: (loop) => loop.name,
}

const LITERALS = new Map<string, LiteralDrop>([
  ['nil', NIL],
  ['null', NIL],
  ['empty', EMPTY],
  ['blank', BLANK],
])

interface PathToken {
  literalPath?: Array<string | number>
  getText(): string
}

function compilePath(token: PathToken, lenient: boolean, scope: ExpressionScope): Evaluate {
  const path = token.literalPath
  if (!path || path.length === 0) unsupported(`computed path ${token.getText()}`)
  const root = path[0] as string | number
  const rest = path.slice(1)
  if (root === 'forloop' && scope.inLoop) {
    const field = FORLOOP_FIELDS[String(rest[0])]
    if (!field || rest.length === 0) unsupported(`forloop access ${token.getText()}`)
    const after = rest.slice(1).map(keyReader)
    return (ctx) => {
      const loop = (findScope(ctx, 'forloop') as { forloop: LoopState }).forloop
      return walk(field(loop), after, lenient)
    }
  }
  const readRoot = keyReader(root)
  const readers = rest.map(keyReader)
  const missing = () => (lenient ? null : bail())
  if (readers.length === 0) {
    return (ctx) => {
      const value = readRoot(findScope(ctx, root))
      return value === undefined ? missing() : value
    }
  }
  if (readers.length === 1) {
    const [readKey] = readers as [KeyReader]
    return (ctx) => {
      const parent = readRoot(findScope(ctx, root))
      if (parent === undefined) return missing()
      const value = readKey(parent)
      return value === undefined ? missing() : value
    }
  }
  return (ctx) => {
    const value = readRoot(findScope(ctx, root))
    return value === undefined ? missing() : walk(value, readers, lenient)
  }
}

/** Reads key after key; an undefined step is `nil` when lenient, otherwise LiquidJS's error. */
function walk(start: unknown, readers: readonly KeyReader[], lenient: boolean): unknown {
  let value = start
  for (const read of readers) {
    value = read(value)
    if (value === undefined) return lenient ? null : bail()
  }
  return value
}

/** One operand token (`evalToken`): a literal, a literal drop, or a variable path. */
export function compileToken(token: Token, lenient: boolean, scope: ExpressionScope): Evaluate {
  if (TypeGuards.isLiteralToken(token)) {
    const literal = (token as unknown as { literal: string }).literal
    const drop = LITERALS.get(literal)
    if (drop) return () => drop
    const content = (token as unknown as { content: unknown }).content
    if (typeof content !== 'boolean') unsupported(`literal ${literal}`)
    return () => content
  }
  if (TypeGuards.isNumberToken(token) || TypeGuards.isQuotedToken(token)) {
    const content = (token as unknown as { content: number | string }).content
    return () => content
  }
  if (TypeGuards.isPropertyAccessToken(token)) return compilePath(token as PathToken, lenient, scope)
  return unsupported(`operand ${token.getText()}`)
}

type Operator = '==' | '!=' | '<' | '<=' | '>' | '>=' | 'contains' | 'and' | 'or'

function binary(operator: Operator, left: Evaluate, right: Evaluate): Evaluate {
  // LiquidJS evaluates both operands before the operator (no short circuit): so do we
  switch (operator) {
    case '==':
      return (ctx) => equals(left(ctx), right(ctx))
    case '!=':
      return (ctx) => !equals(left(ctx), right(ctx))
    case '<':
    case '<=':
    case '>':
    case '>=':
      return (ctx) => compare(operator, left(ctx), right(ctx))
    case 'contains':
      return (ctx) => contains(left(ctx), right(ctx))
    case 'and':
      return (ctx) => {
        const l = left(ctx)
        const r = right(ctx)
        return isTruthy(l) && isTruthy(r)
      }
    case 'or':
      return (ctx) => {
        const l = left(ctx)
        const r = right(ctx)
        return isTruthy(l) || isTruthy(r)
      }
  }
}

const BINARY = new Set<string>(['==', '!=', '<', '<=', '>', '>=', 'contains', 'and', 'or'])

/** Whether a token is a literal `nil`/`empty`/`blank` (its value is a drop, kept out of filters and variables). */
export function isLiteralDropToken(token: Token | undefined): boolean {
  return (
    token !== undefined &&
    TypeGuards.isLiteralToken(token) &&
    LITERALS.has((token as unknown as { literal: string }).literal)
  )
}

/** Whether an expression is one literal `nil`/`empty`/`blank`. */
export function isLiteralDrop(expression: Expression): boolean {
  return expression.postfix.length === 1 && isLiteralDropToken(expression.postfix[0])
}

/** An expression from its postfix form, operand order and evaluation order as LiquidJS's `Expression`. */
export function compileExpression(
  expression: Expression,
  lenient: boolean,
  scope: ExpressionScope,
): Evaluate {
  const stack: Evaluate[] = []
  for (const token of expression.postfix) {
    if (!TypeGuards.isOperatorToken(token)) {
      stack.push(compileToken(token, lenient, scope))
      continue
    }
    const operator = (token as unknown as { operator: string }).operator
    const right = stack.pop()
    if (right === undefined) return unsupported('malformed expression')
    if (operator === 'not') {
      stack.push((ctx) => !isTruthy(toValue(right(ctx))))
      continue
    }
    const left = stack.pop()
    if (left === undefined || !BINARY.has(operator)) return unsupported(`operator ${operator}`)
    stack.push(binary(operator as Operator, left, right))
  }
  if (stack.length !== 1) unsupported('malformed expression')
  return stack[0] as Evaluate
}

interface FilterInternals {
  name: string
  args: unknown[]
  raw: boolean
  handler: (...args: unknown[]) => unknown
  token: unknown
}

/** One filter applied to a value. */
type Step = (value: unknown, ctx: Context) => unknown

/** One filter: LiquidJS's own function, `this` as LiquidJS binds it, arguments evaluated strictly. */
function compileFilter(filter: Filter, scope: ExpressionScope): Step {
  const internals = filter as unknown as FilterInternals
  const outputEscape = scope.liquid.options.outputEscape
  if (outputEscape !== undefined && internals.handler === outputEscape) {
    return (value, ctx) => escapeOutput(ctx, value)
  }
  const registered = scope.liquid.filters[internals.name] as unknown
  const handler =
    typeof registered === 'function' ? registered : (registered as { handler?: unknown } | undefined)?.handler
  if (!scope.filters.has(internals.name) || handler !== internals.handler) {
    unsupported(`filter ${internals.name}`)
  }
  if (internals.raw) return (value) => value
  const args = internals.args.map((arg) => {
    if (Array.isArray(arg)) return unsupported(`keyword argument of ${internals.name}`)
    const token = arg as Token
    if (isLiteralDropToken(token)) unsupported(`literal drop argument of ${internals.name}`)
    return compileToken(token, false, scope)
  })
  const self = { context: undefined as Context | undefined, token: internals.token, liquid: scope.liquid }
  const call = internals.handler
  if (args.length === 0) {
    return (value, ctx) => {
      self.context = ctx
      return checkResult(call.call(self, value))
    }
  }
  if (args.length === 1) {
    const [first] = args as [Evaluate]
    return (value, ctx) => {
      const argument = first(ctx)
      self.context = ctx
      return checkResult(call.call(self, value, argument))
    }
  }
  return (value, ctx) => {
    const argv = [value]
    for (const arg of args) argv.push(arg(ctx))
    self.context = ctx
    return checkResult(call.apply(self, argv))
  }
}

/**
 * A filtered value (`Value`): the expression (lenient when `lenient`, or when the first filter is
 * `default`, as LiquidJS decides), then each filter in order.
 */
export function compileValue(value: Value, lenient: boolean, scope: ExpressionScope): Evaluate {
  const filters = value.filters
  const lenientInitial =
    lenient || (scope.liquid.options.lenientIf && filters.length > 0 && filters[0]?.name === 'default')
  if (filters.length > 0 && isLiteralDrop(value.initial)) unsupported('filter on a literal drop')
  const initial = compileExpression(value.initial, lenientInitial, scope)
  const steps = filters.map((filter) => compileFilter(filter, scope))
  if (steps.length === 0) return initial
  if (steps.length === 1) {
    const [only] = steps as [Step]
    return (ctx) => only(initial(ctx), ctx)
  }
  if (steps.length === 2) {
    const [first, second] = steps as [Step, Step]
    return (ctx) => second(first(initial(ctx), ctx), ctx)
  }
  return (ctx) => {
    let out = initial(ctx)
    for (const step of steps) out = step(out, ctx)
    return out
  }
}
