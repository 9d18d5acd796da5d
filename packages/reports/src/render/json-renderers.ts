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

/** Newline-delimited JSON: one object per row, raw machine values (ISO dates, plain numbers). */
export function createNdjsonRenderer(): Renderer {
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
      await sink.end()
    },
  }
}

/** A JSON array of row objects, streamed element by element. */
export function createJsonRenderer(): Renderer {
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
      sink.push(first ? ']\n' : '\n]\n')
      await sink.end()
    },
  }
}
