import { Context, Liquid, type Template } from 'liquidjs'
import { NotifyError } from '../errors/notify-error.js'
import { compileFast, type RenderFast } from './fast-path/index.js'
import { FORMAT_CONTEXT, type FormatContext, formatFilters } from './format-filters.js'
import { renderDeadline } from './render-deadline.js'

/** Where a template source comes from, for error messages: the template, its part and locale, and the file. */
export interface SourceRef {
  /** Template (or partial) name. */
  template: string
  /** `subject`, `html`, `text`, `title` or `partial`. */
  field: string
  locale?: string
  /** The file it was read from (relative to the template directory), or `store:<name>`. */
  file?: string
}

/** A part parsed once, ready to render many times. */
export interface CompiledPart {
  readonly html: boolean
  readonly templates: Template[]
  readonly ref: SourceRef
  /** The part compiled to a closure, when it uses only what the fast path covers (see `fast-path/`). */
  readonly fast: RenderFast | undefined
}

/**
 * Which renderer {@link LiquidEngine.renderParts} uses: `auto` (the compiled form, LiquidJS when it
 * stops), `liquid` (LiquidJS only) or `fast` (the compiled form only: what stops it is thrown as it
 * is, `BAILOUT` included). The last two exist to compare the two renderers.
 */
export type RenderVia = 'auto' | 'liquid' | 'fast'

/** Limits that keep one template from taking the process down. */
const LIMITS = {
  /** Characters parsed per template. */
  parseLimit: 1_000_000,
  /** Milliseconds per render. */
  renderLimit: 1_000,
  /** Characters/items a render may allocate (loops over huge ranges, `append` in a loop). */
  memoryLimit: 10_000_000,
}

/** `{{{ name }}}`, the raw placeholder of the first template syntax, becomes `{{ name | raw }}`. */
const TRIPLE = /\{\{\{\s*([\w.]+)\s*\}\}\}/g

function where(ref: SourceRef): string {
  const part = `${ref.field}${ref.locale ? `, ${ref.locale}` : ''}`
  return `template "${ref.template}" (${part})${ref.file ? ` in ${ref.file}` : ''}`
}

function position(error: unknown): { line?: number; column?: number } {
  const token = (error as { token?: { getPosition?: () => [number, number] } }).token
  const found = token?.getPosition?.()
  return found ? { line: found[0], column: found[1] } : {}
}

/** The first line of a LiquidJS message, without its own `, line:x, col:y` suffix. */
function reason(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error)
  return (message.split('\n')[0] ?? '').replace(/, line:\d+, col:\d+$/, '')
}

/** A LiquidJS error as a `NotifyError`: which variable, template, part, file, line and column. */
export function templateError(error: unknown, ref: SourceRef): NotifyError {
  const at = position(error)
  const place = at.line === undefined ? '' : ` at line ${at.line}, column ${at.column}`
  const details = {
    template: ref.template,
    field: ref.field,
    ...(ref.locale ? { locale: ref.locale } : {}),
    ...(ref.file ? { file: ref.file } : {}),
    ...at,
  }
  const name = (error as { name?: string }).name
  const missing = /undefined variable: ([^,\s]+)/.exec(reason(error))?.[1]
  if (name === 'UndefinedVariableError' && missing) {
    return new NotifyError(
      'NOTIFY_TEMPLATE_MISSING_VARIABLE',
      `${where(ref)} needs "${missing}" in data${place}`,
      {
        details: { ...details, missing: [missing] },
      },
    )
  }
  return new NotifyError('NOTIFY_TEMPLATE_ERROR', `${where(ref)}${place}: ${reason(error)}`, {
    details,
    cause: error,
  })
}

/** A partial or layout name no registered source answers, worded as LiquidJS words a failed lookup. */
function notRegistered(file: string): Error {
  return Object.assign(new Error(`ENOENT: Failed to lookup "${file}": no partial or layout of that name`), {
    code: 'ENOENT',
  })
}

/**
 * A LiquidJS instance whose partials and layouts are the parsed sources it is given, and nothing
 * else: `{% render %}`, `{% include %}` and `{% layout %}` take them from memory, parsed at
 * registration (LiquidJS would look each one up and read its cache again on every render).
 */
class RegisteredPartialsLiquid extends Liquid {
  readonly registered = new Map<string, Template[]>()

  override _parsePartialFile(file: string): Generator<unknown, Template[], string | Template[]> {
    return this.lookup(file)
  }

  override _parseLayoutFile(file: string): Generator<unknown, Template[], string | Template[]> {
    return this.lookup(file)
  }

  // biome-ignore lint/correctness/useYield: LiquidJS drives lookups as generators; a registered partial has nothing to wait for
  private *lookup(file: string): Generator<unknown, Template[], string | Template[]> {
    const templates = this.registered.get(file)
    if (!templates) throw notRegistered(file)
    return templates
  }
}

/**
 * The sandboxed LiquidJS set-up of the notifier: partials and layouts only from memory (what was
 * registered; no file system, no `../`), own properties only (no prototype access), strict
 * variables and filters, bounded parse and render, HTML escaping of every output in HTML parts
 * (`| raw` opts out) and none in the others, and the locale-aware filters.
 */
export interface LiquidEngine {
  /** Parses a part, or throws `NOTIFY_TEMPLATE_ERROR` naming the file, line and column. */
  compile(source: string, ref: SourceRef, html: boolean): CompiledPart
  /**
   * Renders the parts of one template with the same variables (an `assign` in one is seen by the
   * next); a missing variable throws `NOTIFY_TEMPLATE_MISSING_VARIABLE`. When every part has a
   * compiled form, that renders; if it stops (an error, or something it leaves to LiquidJS),
   * LiquidJS renders all the parts again, giving the same output or the error it raises.
   */
  renderParts(
    parts: readonly CompiledPart[],
    data: Record<string, unknown>,
    format: FormatContext,
    via?: RenderVia,
  ): string[]
  /** Adds or replaces a partial or layout (`{% render 'name' %}`, `{% layout 'name' %}`); parsed now. */
  setPartial(name: string, source: string, file?: string): void
  /** Partial and layout names. */
  partials(): string[]
  /** The source of a partial or layout, as registered. */
  partialSource(name: string): string | undefined
}

/** Creates a {@link LiquidEngine}. */
export function createLiquidEngine(): LiquidEngine {
  const partials = new Map<string, string>()
  // partials and layouts never come from a file system: this one only answers "not found"
  const noFiles = {
    exists: async () => false,
    existsSync: () => false,
    readFile: async (file: string) => Promise.reject(notRegistered(file)),
    readFileSync: (file: string): string => {
      throw notRegistered(file)
    },
    resolve: (_dir: string, file: string) => file,
    contains: async () => false,
    containsSync: () => false,
  }
  const make = (html: boolean) => {
    const liquid = new RegisteredPartialsLiquid({
      fs: noFiles,
      root: [''],
      partials: [''],
      layouts: [''],
      relativeReference: false,
      strictVariables: true,
      strictFilters: true,
      lenientIf: true,
      ownPropertyOnly: true,
      ...(html ? { outputEscape: 'escape' as const } : {}),
      ...LIMITS,
    })
    for (const [name, filter] of Object.entries(formatFilters)) liquid.registerFilter(name, filter)
    return liquid
  }
  const engines = { html: make(true), plain: make(false) }
  /** Compiled partials of each engine, by name; a partial the fast path does not cover is absent. */
  const fastPartials = { html: new Map<string, RenderFast>(), plain: new Map<string, RenderFast>() }
  const fast = (templates: Template[], html: boolean) => {
    const partials = html ? fastPartials.html : fastPartials.plain
    return compileFast(templates, html ? engines.html : engines.plain, (name) => partials.get(name))
  }
  const prepare = (source: string) => source.replace(TRIPLE, '{{ $1 | raw }}')
  // one LiquidJS context for every part of a render (building one costs more than a short part)
  const context = (data: Record<string, unknown>, format: FormatContext, deadline: Context['renderLimit']) =>
    new Context(
      data,
      engines.plain.options,
      { sync: true, globals: { [FORMAT_CONTEXT]: format } },
      { liquid: engines.plain, renderLimit: deadline },
    )
  /** The compiled forms of all parts, or undefined when one part has none. */
  const renderFast = (parts: readonly CompiledPart[], ctx: Context): string[] | undefined => {
    const out: string[] = []
    for (const part of parts) {
      if (!part.fast) return undefined
      out.push(part.fast(ctx))
    }
    return out
  }
  const tryFast = (parts: readonly CompiledPart[], ctx: Context): string[] | undefined => {
    try {
      return renderFast(parts, ctx)
    } catch {
      // BAILOUT, or an error LiquidJS raises too: LiquidJS renders again and says which
      return undefined
    }
  }

  return {
    compile(source, ref, html) {
      let templates: Template[]
      try {
        templates = (html ? engines.html : engines.plain).parse(prepare(source))
      } catch (error) {
        throw templateError(error, ref)
      }
      return { html, templates, ref, fast: fast(templates, html) }
    },
    renderParts(parts, data, format, via = 'auto') {
      // one deadline for both attempts: a render that ran out of time in the fast path stops at once
      const deadline = renderDeadline(LIMITS.renderLimit)
      if (via === 'fast') {
        const done = renderFast(parts, context(data, format, deadline))
        if (!done) throw new Error('a part has no compiled form')
        return done
      }
      const done = via === 'auto' ? tryFast(parts, context(data, format, deadline)) : undefined
      if (done) return done
      const ctx = context(data, format, deadline)
      return parts.map((part) => {
        try {
          return (part.html ? engines.html : engines.plain).renderSync(part.templates, ctx) as string
        } catch (error) {
          throw templateError(error, part.ref)
        }
      })
    },
    setPartial(name, source, file) {
      const ref = { template: name, field: 'partial', ...(file ? { file } : {}) }
      const prepared = prepare(source)
      // parsed by both instances: in an HTML part a partial's outputs are escaped, elsewhere not
      let parsed: { html: Template[]; plain: Template[] }
      try {
        parsed = { html: engines.html.parse(prepared, name), plain: engines.plain.parse(prepared, name) }
      } catch (error) {
        throw templateError(error, ref)
      }
      partials.set(name, prepared)
      engines.html.registered.set(name, parsed.html)
      engines.plain.registered.set(name, parsed.plain)
      for (const html of [true, false]) {
        const compiled = fast(html ? parsed.html : parsed.plain, html)
        const map = html ? fastPartials.html : fastPartials.plain
        if (compiled) map.set(name, compiled)
        else map.delete(name)
      }
    },
    partials: () => [...partials.keys()],
    partialSource: (name) => partials.get(name),
  }
}
