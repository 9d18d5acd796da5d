import { isOpskitError } from '@opskit/core'
import { describe, expect, it } from 'vitest'
import { createTemplateRegistry } from '../src/index.js'
import { renderTemplateString } from '../src/templates/render.js'

describe('template registry and rendering', () => {
  it('resolves exact, language and default locales, and sees templates registered after a lookup', () => {
    const registry = createTemplateRegistry([{ name: 'hi', channel: 'sms', text: 'Hello {{name}}' }])
    expect(registry.resolve('hi', 'sms', 'fr-CA')?.text).toBe('Hello {{name}}')
    expect(registry.resolve('bye', 'sms', 'fr-CA')).toBeUndefined()
    registry.register({ name: 'hi', channel: 'sms', locale: 'fr', text: 'Bonjour {{name}}' })
    registry.register({ name: 'bye', channel: 'sms', text: 'Bye' })
    expect(registry.resolve('hi', 'sms', 'fr-CA')?.text).toBe('Bonjour {{name}}')
    expect(registry.resolve('bye', 'sms', 'fr-CA')?.text).toBe('Bye')
    registry.register({ name: 'hi', channel: 'sms', locale: 'fr-CA', text: 'Allô {{name}}' })
    expect(registry.resolve('hi', 'sms', 'fr-CA')?.text).toBe('Allô {{name}}')
    expect(registry.resolve('hi', 'sms', 'en')?.text).toBe('Hello {{name}}')
  })

  it('renders the same source with different data, escaping {{ }} in html but not {{{ }}}', () => {
    const source = '<b>{{ user.name }}</b> {{{raw}}} {{user.name}}!'
    const options = { html: true, template: 't', field: 'html' }
    expect(renderTemplateString(source, { user: { name: '<Ada>' }, raw: '<i>x</i>' }, options)).toBe(
      '<b>&lt;Ada&gt;</b> <i>x</i> &lt;Ada&gt;!',
    )
    expect(renderTemplateString(source, { user: { name: 'Bob' }, raw: 1 }, options)).toBe('<b>Bob</b> 1 Bob!')
    expect(renderTemplateString('{{ a }}{{b}}', { a: 1, b: 2 }, { ...options, html: false })).toBe('12')
    let error: unknown
    try {
      renderTemplateString(source, { raw: 1, user: {} }, options)
    } catch (caught) {
      error = caught
    }
    expect(isOpskitError(error, 'NOTIFY_TEMPLATE_MISSING_VARIABLE')).toBe(true)
    expect((error as { details?: { missing?: string[] } }).details?.missing).toEqual(['user.name'])
  })
})
