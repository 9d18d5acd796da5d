/** One sample parsed from the Prometheus text exposition format. */
export interface ParsedSample {
  name: string
  labels: Record<string, string>
  value: number
}

/**
 * A strict parser of the Prometheus 0.0.4 text format: every line is a comment (`# HELP`/`# TYPE`)
 * or a sample; anything else throws, which is how the tests check the exposition is valid.
 */
export function parseExposition(text: string): { samples: ParsedSample[]; types: Map<string, string> } {
  const samples: ParsedSample[] = []
  const types = new Map<string, string>()
  for (const line of text.split('\n')) {
    if (line === '') continue
    if (line.startsWith('# HELP ')) continue
    if (line.startsWith('# TYPE ')) {
      const [, , name, type] = line.split(' ')
      if (!name || !type || !/^(counter|gauge|histogram|summary|untyped)$/.test(type))
        throw new Error(`bad TYPE line: ${line}`)
      if (types.has(name)) throw new Error(`duplicate TYPE for ${name}`)
      types.set(name, type)
      continue
    }
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)( \d+)?$/.exec(line)
    if (!match) throw new Error(`bad sample line: ${line}`)
    const labels: Record<string, string> = {}
    if (match[3]) {
      const re = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)",?/g
      let consumed = 0
      for (const m of match[3].matchAll(re)) {
        labels[m[1] as string] = (m[2] as string).replace(/\\n/g, '\n').replace(/\\(.)/g, '$1')
        consumed += m[0].length
      }
      if (consumed !== match[3].length) throw new Error(`bad labels: ${line}`)
    }
    const value = Number(match[4] === '+Inf' ? Number.POSITIVE_INFINITY : match[4])
    if (Number.isNaN(value) && match[4] !== 'NaN') throw new Error(`bad value: ${line}`)
    samples.push({ name: match[1] as string, labels, value })
  }
  return { samples, types }
}
