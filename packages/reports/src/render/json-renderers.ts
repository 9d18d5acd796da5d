import type { Writable } from 'node:stream'
import type { Renderer, RenderInput } from './renderer.js'
import { TextSink } from './text-sink.js'
import { type Cell, machineValue } from './values.js'

function objectEncoder(input: RenderInput): (cells: Cell[]) => string {
  const keys = input.columns.map((column) => JSON.stringify(column.key))
  const types = input.columns.map((column) => column.type)
  return (cells) => {
    let text = '{'
    for (let i = 0; i < keys.length; i++) {
      const type = types[i] as (typeof types)[number]
      text += `${i === 0 ? '' : ','}${keys[i]}:${JSON.stringify(machineValue(type, cells[i] ?? null))}`
    }
    return `${text}}`
  }
}

/**
 * The totals lines as JSON objects `{"$totals":{"currency":…,<column>:<total>…}}`: one per
 * currency, after the rows, told apart from rows by their single `$totals` member.
 */
function totalsEncoder(input: RenderInput): () => string[] {
  const totalled = input.columns.flatMap((column, index) =>
    input.totalKinds[column.key] ? [{ key: column.key, type: column.type, index }] : [],
  )
  return () =>
    input.totalLines().map((line) => {
      const values: Record<string, unknown> = { currency: line.currency }
      for (const { key, type, index } of totalled) values[key] = machineValue(type, line.cells[index] ?? null)
      return JSON.stringify({ $totals: values })
    })
}

/** Options of the JSON and NDJSON renderers. */
export interface JsonOptions {
  /** Write the totals lines (`{"$totals":{…}}`, one per currency) after the rows. @default true */
  totals?: boolean
}

/**
 * Newline-delimited JSON: one object per row, raw machine values (ISO dates, plain numbers),
 * then one `{"$totals":{…}}` line per currency when the report has totals.
 */
export function createNdjsonRenderer(options: JsonOptions = {}): Renderer {
  return {
    format: 'ndjson',
    contentType: 'application/x-ndjson',
    extension: 'ndjson',
    async render(input: RenderInput, out: Writable): Promise<void> {
      const sink = new TextSink(out)
      const encode = objectEncoder(input)
      for await (const cells of input.rows) {
        const wait = sink.push(`${encode(cells)}\n`)
        if (wait) await wait
      }
      if (options.totals ?? true) for (const line of totalsEncoder(input)()) sink.push(`${line}\n`)
      await sink.end()
    },
  }
}

/**
 * A JSON array of row objects, streamed element by element, ending with one
 * `{"$totals":{…}}` element per currency when the report has totals.
 */
export function createJsonRenderer(options: JsonOptions = {}): Renderer {
  return {
    format: 'json',
    contentType: 'application/json',
    extension: 'json',
    async render(input: RenderInput, out: Writable): Promise<void> {
      const sink = new TextSink(out)
      const encode = objectEncoder(input)
      sink.push('[')
      let first = true
      for await (const cells of input.rows) {
        const wait = sink.push(first ? `\n${encode(cells)}` : `,\n${encode(cells)}`)
        first = false
        if (wait) await wait
      }
      if (options.totals ?? true) {
        for (const line of totalsEncoder(input)()) {
          sink.push(first ? `\n${line}` : `,\n${line}`)
          first = false
        }
      }
      sink.push(first ? ']\n' : '\n]\n')
      await sink.end()
    },
  }
}
