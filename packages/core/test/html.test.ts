import { describe, expect, it } from 'vitest'
import { escapeHtml } from '../src/internal/index.js'

describe('escapeHtml', () => {
  it('escapes the five HTML-significant characters and nothing else', () => {
    expect(escapeHtml(`<a href="x" title='y'>Tom & Jerry</a> é ✓`)).toBe(
      '&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;Tom &amp; Jerry&lt;/a&gt; é ✓',
    )
  })

  it('escapes an already escaped entity again (text, not markup)', () => {
    expect(escapeHtml('&lt;')).toBe('&amp;lt;')
  })
})
