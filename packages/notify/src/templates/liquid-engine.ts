import { Context, Liquid, type Template } from 'liquidjs'
import { NotifyError } from '../errors/notify-error.js'
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

/** One render's variables and formatting (a LiquidJS context), from {@link LiquidEngine.scope}. */
export type RenderScope = Context

/** A part parsed once, ready to render many times. */
export interface CompiledPart {
  readonly html: boolean
  readonly templates: Template[]
  readonly ref: SourceRef
}

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
  /** The variables and formatting of one render, shared by the parts of a template. */
  scope(data: Record<string, unknown>, format: FormatContext): RenderScope
  /** Renders a compiled part; a missing variable throws `NOTIFY_TEMPLATE_MISSING_VARIABLE`. */
  render(part: CompiledPart, scope: RenderScope): string
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
  const prepare = (source: string) => source.replace(TRIPLE, '{{ $1 | raw }}')

  return {
    compile(source, ref, html) {
      try {
        return { html, templates: (html ? engines.html : engines.plain).parse(prepare(source)), ref }
      } catch (error) {
        throw templateError(error, ref)
      }
    },
    scope(data, format) {
      // one LiquidJS context for every part of a render (building one costs more than a short part)
      return new Context(
        data,
        engines.plain.options,
        { sync: true, globals: { [FORMAT_CONTEXT]: format } },
        { liquid: engines.plain, renderLimit: renderDeadline(LIMITS.renderLimit) },
      )
    },
    render(part, scope) {
      try {
        return (part.html ? engines.html : engines.plain).renderSync(part.templates, scope) as string
      } catch (error) {
        throw templateError(error, part.ref)
      }
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
    },
    partials: () => [...partials.keys()],
    partialSource: (name) => partials.get(name),
  }
}
