// Random templates of the grammar the compiled fast path covers (text with whitespace control,
// outputs with filters, if/elsif/else, unless, for with else and forloop, assign, render of a
// partial with arguments, comments), and random data for them: missing variables, nil, empty
// arrays, strings that need HTML escaping, numbers of every shape, prototype names.
import { mulberry32 } from '@opskit/core/internal'

type Random = () => number

/** A seeded generator of templates and data. */
export interface TemplateGenerator {
  /**
   * A template body; `depth` bounds nesting. A `tame` one reads only paths that a tame
   * {@link data} has (so that most of its renders succeed), a wild one any path.
   */
  template(depth?: number, tame?: boolean): string
  /** A partial body (no `render` inside, so partials never recurse). */
  partial(): string
  /** Variables for a render; `tame`: every root and key present, each of the kind its name suggests. */
  data(tame?: boolean): Record<string, unknown>
  pick<T>(items: readonly T[]): T
}

const TEXT = ['Hi ', '\n', '  ', '<p>', '</p>', '&amp;', 'x', ' – € ', '\t', 'a\n  b']
const STRINGS = ['', ' ', '  \n', 'Ada', '<b>&"\'</b>', 'a,b,c', 'ÄÖ €', '0', 'false', 'nil', 'a']
const NUMBERS = [0, 1, -1, 2.5, 0.1 + 0.2, 1e21, 12345.678, -0, 3, 1e-7, Number.MAX_SAFE_INTEGER]
const KEYS = ['name', 'title', 'qty', 'price', 'tags', 'flag', 'items', 'user', 'n', 's']
const ROOTS = ['user', 'items', 'n', 's', 'flag', 'price', 'tags', 'empty_list', 'nothing', 'blank_s']
/** Names that exist on prototypes: own-property-only lookups must not find them. */
const PROTOTYPE_NAMES = ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf', 'length']
const SEGMENTS = [
  ...KEYS,
  'size',
  'first',
  'last',
  'length',
  0,
  1,
  -1,
  'constructor',
  'toString',
  '__proto__',
]
const FILTERS = [
  'upcase',
  'downcase',
  'capitalize',
  'strip',
  'escape',
  'size',
  'first',
  'last',
  'round',
  'abs',
  'number',
  'percent',
  "money: 'EUR'",
  "money: 'JPY', 0",
  "default: 'dflt'",
  "append: '<&>'",
  "prepend: '» '",
  'plus: 1',
  'minus: 2.5',
  'times: 3',
  'divided_by: 2',
  "join: ', '",
  'truncate: 4',
  "replace: 'a', 'b'",
  'at_least: 1',
  "split: ','",
  'modulo: 3',
  'escape_once',
  'url_encode',
  'strip_html',
  'newline_to_br',
  'date: "%Y-%m-%d"',
  'datetime',
]
/** Paths a tame data always has. */
const TAME_PATHS = [
  'user.name',
  'user.title',
  'user.qty',
  'user.flag',
  'user.tags',
  'user.tags.size',
  'n',
  's',
  'flag',
  'price',
  'tags',
  'tags.first',
  'items',
  'items.size',
  'items.first.name',
  'empty_list',
  'nothing',
  'nothing.name',
  'blank_s',
]
/** Filters that refuse what is not a number (or a date). */
const NUMBER_FORMATS =
  /^(money|number|percent|datetime|date|round|abs|plus|minus|times|divided_by|modulo|at_least)\b/
const LITERALS = [
  "'Ada'",
  "''",
  "'a'",
  '1',
  '2.5',
  '0',
  '-1',
  'nil',
  'null',
  'empty',
  'blank',
  'true',
  'false',
]
const COMPARISONS = ['==', '!=', '<', '>', '<=', '>=', 'contains']

/** Creates a generator; the same seed gives the same templates and data. */
export function templateGenerator(seed: number): TemplateGenerator {
  const random: Random = mulberry32(seed)
  const chance = (p: number) => random() < p
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T
  /** Variables in scope while generating: loop variables and assigned names join the roots. */
  const loops: string[] = []
  let assigned = 0
  let inPartial = false
  let tame = false

  const segment = () => {
    const key = chance(0.75) ? pick(KEYS) : pick(SEGMENTS)
    if (typeof key === 'number') return `[${key}]`
    return chance(0.15) ? `["${key}"]` : `.${key}`
  }
  const path = (): string => {
    if (loops.length > 0 && chance(0.25)) {
      return `forloop.${pick(['index', 'index0', 'first', 'last', 'length', 'rindex', 'rindex0', 'name'])}`
    }
    // a partial sees only its arguments (`who`, `count`), its loop variables and what it assigns
    const visible = inPartial ? ['who', 'count'] : ROOTS
    if (tame && !inPartial) return chance(0.8) || loops.length === 0 ? pick(TAME_PATHS) : pick(loops)
    const roots = [...visible, ...loops, ...loops, ...Array.from({ length: assigned }, (_, i) => `v${i}`)]
    let out = chance(0.03) ? pick(PROTOTYPE_NAMES) : chance(0.02) ? 'missing' : pick(roots)
    const depth = chance(0.5) ? 0 : chance(0.7) ? 1 : 2
    for (let i = 0; i < depth; i++) out += segment()
    return out
  }
  const operand = () => (chance(0.65) ? path() : pick(LITERALS))
  const condition = (): string => {
    const single = () => {
      if (chance(0.3)) return operand()
      return `${operand()} ${pick(COMPARISONS)} ${operand()}`
    }
    let out = chance(0.1) ? `not ${single()}` : single()
    while (chance(0.3)) out += ` ${pick(['and', 'or'])} ${single()}`
    return out
  }
  const filtered = (): string => {
    const base = chance(0.8) ? path() : pick(["'Ada'", "'<i>'", '12.5', '0', "''"])
    let out = base
    const count = Math.floor(random() * 3)
    for (let i = 0; i < count; i++) {
      const filter = pick(FILTERS)
      // tame: the number and date formats only on the numbers of a tame data
      const numeric = ['n', 'price', 'user.qty'].includes(base) && i === 0
      out += ` | ${tame && NUMBER_FORMATS.test(filter) && !numeric ? 'upcase' : filter}`
    }
    if (chance(0.1)) out += ' | raw'
    return out
  }
  const open = (kind: '{{' | '{%') => (chance(0.25) ? `${kind}-` : kind)
  const close = (kind: '}}' | '%}') => (chance(0.25) ? `-${kind}` : kind)
  const tag = (body: string) => `${open('{%')} ${body} ${close('%}')}`

  const node = (depth: number, partials: boolean): string => {
    const roll = random()
    if (roll < 0.3 || depth <= 0) return pick(TEXT)
    if (roll < 0.55) return `${open('{{')} ${filtered()} ${close('}}')}`
    if (roll < 0.67) {
      let out = tag(`if ${condition()}`) + body(depth - 1, partials)
      while (chance(0.3)) out += tag(`elsif ${condition()}`) + body(depth - 1, partials)
      if (chance(0.5)) out += tag('else') + body(depth - 1, partials)
      return out + tag('endif')
    }
    if (roll < 0.72) {
      const elsif = chance(0.25) ? tag(`elsif ${condition()}`) + body(depth - 1, partials) : ''
      const otherwise = chance(0.4) ? tag('else') + body(depth - 1, partials) : ''
      return tag(`unless ${condition()}`) + body(depth - 1, partials) + elsif + otherwise + tag('endunless')
    }
    if (roll < 0.84) {
      const variable = pick(['item', 'x', 'line'])
      const collections = inPartial
        ? ['who', 'count']
        : ['items', 'tags', 'empty_list', 'user.items', 's', 'user']
      const collection = chance(0.7) ? pick(collections) : path()
      loops.push(variable)
      const inner = body(depth - 1, partials)
      loops.pop()
      const otherwise = chance(0.4) ? tag('else') + body(depth - 1, partials) : ''
      return tag(`for ${variable} in ${collection}`) + inner + otherwise + tag('endfor')
    }
    if (roll < 0.92) {
      // (`assign v = nil` keeps a template on LiquidJS: a comparison or a filtered value here)
      const comparison = () => `${operand()} ${pick(COMPARISONS)} ${operand()}`
      const out = tag(`assign v${assigned} = ${chance(0.15) ? comparison() : filtered()}`)
      assigned++
      return out
    }
    if (roll < 0.97 && partials) {
      // (a literal nil/empty/blank argument keeps a template on LiquidJS: not generated here)
      const who = chance(0.65) ? path() : pick(["'Ada'", "'<b>'", '2.5', 'true'])
      const args = `, who: ${who}, count: ${pick(['n', '3', "'x'", 'items.size'])}`
      return tag(`render '${pick(['signature', 'line'])}'${args}`)
    }
    return chance(0.5) ? tag('comment') + pick(TEXT) + tag('endcomment') : tag('# a note')
  }
  const body = (depth: number, partials: boolean): string => {
    const count = 1 + Math.floor(random() * 4)
    let out = ''
    for (let i = 0; i < count; i++) out += node(depth, partials)
    return out
  }

  const value = (depth: number): unknown => {
    const roll = random()
    if (roll < 0.3) return pick(STRINGS)
    if (roll < 0.5) return pick(NUMBERS)
    if (roll < 0.58) return chance(0.5)
    if (roll < 0.66) return null
    if (roll < 0.82 && depth > 0)
      return Array.from({ length: Math.floor(random() * 4) }, () => value(depth - 1))
    if (depth > 0) return record(depth - 1)
    return pick(STRINGS)
  }
  /** A value of the kind its key suggests (a name is a string, a price a number), or any value now and then. */
  const typed = (key: string, depth: number): unknown => {
    if (!tame && chance(0.2)) return value(depth)
    switch (key) {
      case 'name':
      case 'title':
      case 's':
        return pick(STRINGS)
      case 'qty':
      case 'price':
      case 'n':
        return pick(NUMBERS)
      case 'flag':
        return chance(0.5)
      case 'tags':
        return Array.from({ length: (tame ? 1 : 0) + Math.floor(random() * 3) }, () => pick(STRINGS))
      case 'user':
        return depth > 0 ? record(depth - 1) : pick(STRINGS)
      default:
        return depth > 0 ? (chance(0.5) ? record(depth - 1) : [record(depth - 1)]) : pick(STRINGS)
    }
  }
  const record = (depth: number): Record<string, unknown> => {
    const out: Record<string, unknown> = {}
    for (const key of KEYS) if (tame || chance(0.85)) out[key] = typed(key, depth)
    return out
  }

  return {
    template(depth = 3, tameTemplate = false) {
      loops.length = 0
      assigned = 0
      inPartial = false
      tame = tameTemplate
      return body(depth, true)
    },
    partial() {
      loops.length = 0
      assigned = 0
      inPartial = true
      tame = false
      return body(2, false)
    },
    data(tameData = false) {
      tame = tameData
      const out: Record<string, unknown> = {}
      for (const key of ROOTS) if (tame || chance(0.95)) out[key] = typed(key, 2)
      if (tame || chance(0.6))
        out.items = Array.from({ length: 1 + Math.floor(random() * 3) }, () => record(1))
      if (tame || chance(0.3)) out.empty_list = []
      if (tame || chance(0.3)) out.nothing = null
      if (tame || chance(0.3)) out.blank_s = ' '
      // an own property named like a prototype one is found (own-property-only lookups read it)
      const ownConstructor: string = 'constructor'
      if (chance(0.1)) out[ownConstructor] = 'own constructor'
      return out
    },
    pick,
  }
}
