// The compiled fast path against LiquidJS itself, configured as the notifier configures it (the
// same engine, rendering through LiquidJS only): thousands of random templates of the grammar the
// fast path covers, with random data, must give the same subject, HTML and text, and the fast
// path must stop exactly where LiquidJS raises an error (strict variables, a filter's error), so
// that the notifier's error is LiquidJS's own.
import { Drop } from 'liquidjs'
import { describe, expect, it } from 'vitest'
import { BAILOUT } from '../src/templates/fast-path/index.js'
import { type CompiledPart, createLiquidEngine, type RenderVia } from '../src/templates/liquid-engine.js'
import { templateGenerator } from './template-fast-path-generator.js'

type Outcome =
  | { ok: true; parts: string[] }
  | { ok: false; code?: string | undefined; message: string; details?: unknown }

function outcome(run: () => string[]): Outcome {
  try {
    return { ok: true, parts: run() }
  } catch (error) {
    if (error === BAILOUT) return { ok: false, message: 'bailout' }
    const { code, message, details } = error as { code?: string; message: string; details?: unknown }
    return { ok: false, code, message, details }
  }
}

const FORMATS = [
  { locale: 'en', timeZone: 'UTC' },
  { locale: 'de-AT', timeZone: 'Europe/Vienna' },
  { locale: 'fr', timeZone: 'America/New_York' },
]

/** Renders the same parts through LiquidJS, the fast path alone, and the notifier's way (auto). */
function renderAllWays(
  parts: CompiledPart[],
  data: Record<string, unknown>,
  format: (typeof FORMATS)[number],
) {
  const engine = engineFor
  const via = (how: RenderVia) => outcome(() => engine.renderParts(parts, data, format, how))
  return { liquid: via('liquid'), fast: via('fast'), auto: via('auto') }
}

let engineFor = createLiquidEngine()
/** 60 rounds of 50 templates, each rendered with 2 data: 3,000 templates, 6,000 renders. */
const ROUNDS = 60

describe('the compiled fast path renders exactly as LiquidJS does', () => {
  it('gives the same output and the same errors on 3,000 random templates and data (seeded)', () => {
    const generator = templateGenerator(20261207)
    const counts = { cases: 0, rendered: 0, errors: 0, notCompiled: 0, parseErrors: 0 }
    const mismatches: string[] = []
    for (let round = 0; round < ROUNDS && mismatches.length === 0; round++) {
      // a fresh engine every 50 cases, with its own random partials
      engineFor = createLiquidEngine()
      engineFor.setPartial('signature', generator.partial())
      engineFor.setPartial('line', generator.partial())
      for (let i = 0; i < 50; i++) {
        // half the templates read only paths the tame data has (most renders succeed), half any path
        const tame = i % 2 === 0
        const sources = {
          subject: generator.template(2, tame),
          html: generator.template(3, tame),
          text: generator.template(3, tame),
        }
        let parts: CompiledPart[]
        try {
          parts = [
            engineFor.compile(sources.subject, { template: 't', field: 'subject' }, false),
            engineFor.compile(sources.html, { template: 't', field: 'html' }, true),
            engineFor.compile(sources.text, { template: 't', field: 'text' }, false),
          ]
        } catch {
          counts.parseErrors++
          continue
        }
        if (parts.some((part) => part.fast === undefined)) {
          counts.notCompiled++
          mismatches.push(`not compiled: ${JSON.stringify(sources)}`)
          continue
        }
        for (let d = 0; d < 2; d++) {
          counts.cases++
          const data = generator.data(tame && d === 0)
          const format = generator.pick(FORMATS)
          const { liquid, fast, auto } = renderAllWays(parts, data, format)
          const same =
            JSON.stringify(auto) === JSON.stringify(liquid) &&
            fast.ok === liquid.ok &&
            (!fast.ok || JSON.stringify(fast.parts) === JSON.stringify(liquid.ok ? liquid.parts : undefined))
          if (!same) {
            mismatches.push(
              `${JSON.stringify(sources)}\n  data: ${JSON.stringify(data)}\n  liquid: ${JSON.stringify(liquid)}\n  fast: ${JSON.stringify(fast)}\n  auto: ${JSON.stringify(auto)}`,
            )
            break
          }
          if (liquid.ok) counts.rendered++
          else counts.errors++
        }
      }
    }
    expect(mismatches.slice(0, 1)).toEqual([])
    expect(counts.parseErrors).toBe(0)
    expect(counts.cases).toBe(6000)
    // both outcomes are exercised in earnest: renders that succeed and renders LiquidJS refuses
    expect(counts.rendered).toBeGreaterThan(1000)
    expect(counts.errors).toBeGreaterThan(1000)
  })
})

/** One part compiled by a fresh engine (with a `signature` partial), rendered the three ways. */
function oneOff(source: string, data: Record<string, unknown>, html = true) {
  engineFor = createLiquidEngine()
  engineFor.setPartial('signature', '<p>— {{ team }}</p>')
  const part = engineFor.compile(source, { template: 't', field: html ? 'html' : 'text' }, html)
  return {
    compiled: part.fast !== undefined,
    ...renderAllWays([part], data, FORMATS[0] as (typeof FORMATS)[0]),
  }
}

const ORDER = {
  customer: { name: 'Ada <Lovelace>' },
  order: { currency: 'EUR', total: 184.5, lines: [{ title: 'Gala & night', qty: 2, price: 79 }] },
}

describe('what takes the fast path, and what stays on LiquidJS', () => {
  it('compiles an email with a loop, money, a partial and a layout, and renders it as LiquidJS does', () => {
    const { compiled, liquid, fast, auto } = oneOff(
      "<html><body><h1>Hi {{ customer.name }}</h1><ul>{% for line in order.lines %}<li>{{ line.qty }} × {{ line.title }}: {{ line.price | money: order.currency }}</li>{% endfor %}</ul><p>Total {{ order.total | money: order.currency }}</p>{% render 'signature', team: 'Acme' %}</body></html>",
      ORDER,
    )
    expect(compiled).toBe(true)
    expect(fast).toEqual(liquid)
    expect(auto).toEqual(liquid)
    expect(liquid.ok && liquid.parts[0]).toContain('Ada &lt;Lovelace&gt;')
    expect(liquid.ok && liquid.parts[0]).toContain('Gala &amp; night')
  })

  it.each([
    '{% case order.currency %}{% when "EUR" %}€{% endcase %}',
    '{{ order.lines | map: "title" | join: ", " }}',
    '{{ order.lines | sort: "price" | size }}',
    '{% for i in (1..3) %}{{ i }}{% endfor %}',
    '{% for line in order.lines limit: 1 %}{{ line.title }}{% endfor %}',
    '{% for line in order.lines %}{% break %}{% endfor %}',
    '{% for line in order.lines %}{{ forloop.parentloop }}{% endfor %}',
    '{% capture c %}{{ customer.name }}{% endcapture %}{{ c }}',
    '{% cycle "a", "b" %}{% raw %}{{ x }}{% endraw %}',
    '{% assign x = nil %}{{ x }}',
    "{% render 'signature' with customer as team %}",
    '{% echo customer.name %}',
    '{{ customer[order.currency] }}',
    '{{ order.total | default: 0, allow_false: true }}',
  ])('keeps %s on LiquidJS, with its output', (source) => {
    const { compiled, liquid, auto } = oneOff(source, ORDER)
    expect(compiled).toBe(false)
    expect(auto).toEqual(liquid)
  })

  it('hands a render over to LiquidJS when the data holds what it does not copy (functions, Drops, toLiquid, a Map)', () => {
    class Greeting extends Drop {
      hello() {
        return 'hello from a drop'
      }
    }
    const cases: Array<[string, Record<string, unknown>]> = [
      ['{{ user.name }}', { user: { name: () => 'called by LiquidJS' } }],
      ['{{ greeting.hello }}', { greeting: new Greeting() }],
      ['{{ user.name }}', { user: { toLiquid: () => ({ name: 'converted' }) } }],
      ['{% for pair in map %}{{ pair[0] }}{% endfor %}', { map: new Map([['k', 1]]) }],
      ['{% if greeting %}y{% endif %}', { greeting: new Greeting() }],
    ]
    for (const [source, data] of cases) {
      const { compiled, liquid, fast, auto } = oneOff(source, data)
      expect(compiled).toBe(true)
      expect(fast).toEqual({ ok: false, message: 'bailout' })
      expect(auto).toEqual(liquid)
      expect(liquid.ok).toBe(true)
    }
  })
})

describe('the sandbox holds on the fast path', () => {
  const data = { user: { name: 'Ada' }, items: [1, 2], s: 'text' }

  it.each([
    '{{ constructor }}',
    '{{ user.__proto__ }}',
    '{{ user["__proto__"].polluted }}',
    '{{ user.toString }}',
    '{{ user.hasOwnProperty }}',
    '{{ items.constructor }}',
    '{{ s.constructor.name }}',
  ])('%s is an undefined variable, as in LiquidJS with ownPropertyOnly', (source) => {
    const { compiled, liquid, fast, auto } = oneOff(source, data)
    expect(compiled).toBe(true)
    expect(liquid).toMatchObject({ ok: false, code: 'NOTIFY_TEMPLATE_MISSING_VARIABLE' })
    expect(fast).toEqual({ ok: false, message: 'bailout' })
    expect(auto).toEqual(liquid)
  })

  it('finds no inherited property in a condition either, nor on a class instance', () => {
    class Account {
      get secret() {
        return 'inherited getter'
      }
    }
    const source = '{% if user.constructor or user.toString %}leak{% else %}none{% endif %}{{ s.length }}'
    expect(oneOff(source, data).fast).toEqual({ ok: true, parts: ['none4'] })
    // `assign` is lenient as conditions are: the prototype is not found, so p is nil
    const assigned = oneOff('{% assign p = user.__proto__ %}[{{ p.toString }}]', data)
    expect(assigned.fast).toEqual({ ok: true, parts: ['[]'] })
    expect(assigned.liquid).toEqual(assigned.fast)
    const instance = oneOff('{{ account.secret }}', { account: new Account() })
    expect(instance.liquid).toMatchObject({ ok: false, code: 'NOTIFY_TEMPLATE_MISSING_VARIABLE' })
    expect(instance.auto).toEqual(instance.liquid)
  })

  it('a missing variable is the same typed error whichever way the part is rendered', () => {
    const { liquid, auto } = oneOff('<p>{{ user.nmae }}</p>', data)
    expect(auto).toEqual(liquid)
    expect(auto).toMatchObject({
      ok: false,
      code: 'NOTIFY_TEMPLATE_MISSING_VARIABLE',
      details: { template: 't', field: 'html', missing: ['user.nmae'], line: 1, column: 7 },
    })
  })
})
