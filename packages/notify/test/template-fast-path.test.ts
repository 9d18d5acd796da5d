// The compiled fast path against LiquidJS itself, configured as the notifier configures it (the
// same engine, rendering through LiquidJS only): thousands of random templates of the grammar the
// fast path covers, with random data, must give the same subject, HTML and text, and the fast
// path must stop exactly where LiquidJS raises an error (strict variables, a filter's error), so
// that the notifier's error is LiquidJS's own.
import { describe, expect, it } from 'vitest'
import { BAILOUT } from '../src/templates/fast-path/index.js'
import { type CompiledPart, createLiquidEngine, type RenderVia } from '../src/templates/liquid-engine.js'
import { templateGenerator } from './template-fast-path-generator.js'

type Outcome =
  | { ok: true; parts: string[] }
  | { ok: false; code?: string; message: string; details?: unknown }

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

describe('the compiled fast path renders exactly as LiquidJS does', () => {
  it('gives the same output and the same errors on 3,000 random templates and data (seeded)', () => {
    const generator = templateGenerator(20261207)
    const counts = { cases: 0, rendered: 0, errors: 0, notCompiled: 0, parseErrors: 0 }
    const mismatches: string[] = []
    for (let round = 0; round < 60 && mismatches.length === 0; round++) {
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
