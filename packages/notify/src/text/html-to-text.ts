/** Closing tags after which the text part starts a new line. */
const BLOCK_CLOSERS = new Set(['p', 'div', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'li', 'tr'])
/** Elements whose content is not text. */
const RAW_TEXT = new Set(['script', 'style'])

const NAMED_ENTITIES: Record<string, string> = { lt: '<', gt: '>', quot: '"', amp: '&', nbsp: ' ', apos: "'" }

/** Decodes `&lt; &gt; &quot; &amp; &nbsp; &apos;` and numeric references in one left-to-right pass. */
function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]{1,6}|#[0-9]{1,7}|[a-z]{2,4});/gi, (whole, body: string) => {
    if (body[0] !== '#') return NAMED_ENTITIES[body.toLowerCase()] ?? whole
    const code =
      body[1] === 'x' || body[1] === 'X' ? Number.parseInt(body.slice(2), 16) : Number(body.slice(1))
    return code > 0 && code <= 0x10ffff && (code < 0xd800 || code > 0xdfff)
      ? String.fromCodePoint(code)
      : whole
  })
}

/** Finds the next occurrence of `needle` at or after `from`, remembering the last answer so that repeated searches stay linear. */
function cachedSearch(haystack: string, needle: string) {
  let searchedFrom = -1
  let found = -1
  return (from: number): number => {
    if (searchedFrom !== -1 && from >= searchedFrom && (found === -1 || found >= from)) return found
    searchedFrom = from
    found = haystack.indexOf(needle, from)
    return found
  }
}

/** Strips trailing blanks from every line and keeps at most one empty line in a row (no regex backtracking). */
function tidyLines(text: string): string {
  const out: string[] = []
  let blank = 0
  for (const raw of text.split('\n')) {
    let end = raw.length
    while (end > 0 && (raw.charCodeAt(end - 1) === 32 || raw.charCodeAt(end - 1) === 9)) end--
    const line = raw.slice(0, end)
    blank = line === '' ? blank + 1 : 0
    if (blank <= 1) out.push(line)
  }
  return out.join('\n').trim()
}

/**
 * A plain-text rendering of HTML for the text part of an email: tags dropped, `<script>` and
 * `<style>` content dropped, a line break after `<br>` and after closing `p`, `div`, `h1`–`h6`,
 * `li` and `tr`, links written `text (href)`, basic and numeric entities decoded, trailing blanks
 * and runs of empty lines removed. One left-to-right pass with searches that never rescan, so its
 * time is linear in the input whatever the markup (no regular expression over the whole input can
 * backtrack); a `<` without a later `>` is text.
 */
export function htmlToText(html: string): string {
  const lower = html.toLowerCase()
  const nextGt = cachedSearch(html, '>')
  const nextHref = cachedSearch(lower, 'href="')
  const nextQuote = cachedSearch(html, '"')
  const closers = new Map<string, ReturnType<typeof cachedSearch>>()
  const out: string[] = []
  let href: string | undefined
  let text = 0 // start of the pending text run
  let i = html.indexOf('<')
  while (i !== -1) {
    const end = nextGt(i + 1)
    if (end === -1) break // no tag can close any more: the rest is text
    const nameMatch = /^<(\/?)([a-z][a-z0-9]*)/.exec(lower.slice(i, Math.min(end, i + 12)))
    if (
      end === i + 1 ||
      (!nameMatch && lower[i + 1] !== '!' && lower[i + 1] !== '?' && lower[i + 1] !== '/')
    ) {
      i = html.indexOf('<', i + 1) // `<>` or `< 3`: text
      continue
    }
    if (i > text) out.push(decodeEntities(html.slice(text, i)))
    const closing = nameMatch?.[1] === '/'
    const name = nameMatch?.[2] ?? ''
    let next = end + 1
    if (!closing && RAW_TEXT.has(name)) {
      const search = closers.get(name) ?? cachedSearch(lower, `</${name}>`)
      closers.set(name, search)
      const close = search(next)
      if (close !== -1) next = close + name.length + 3
    } else if (name === 'br' && !closing) out.push('\n')
    else if (closing && BLOCK_CLOSERS.has(name)) out.push('\n')
    else if (name === 'a' && !closing) {
      const at = nextHref(i)
      const quote = at !== -1 && at < end ? nextQuote(at + 6) : -1
      href = quote !== -1 && quote < end ? html.slice(at + 6, quote) : undefined
    } else if (name === 'a' && closing && href !== undefined) {
      out.push(` (${decodeEntities(href)})`)
      href = undefined
    }
    text = next
    i = html.indexOf('<', next)
  }
  out.push(decodeEntities(html.slice(text)))
  return tidyLines(out.join(''))
}
