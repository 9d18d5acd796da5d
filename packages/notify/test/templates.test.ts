import { writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { isOpskitError } from '@opskit/core'
import { Liquid, Parser } from 'liquidjs'
import { describe, expect, it, vi } from 'vitest'
import { createNotifier, createTemplateRegistry } from '../src/index.js'
import { createMemoryNotifyStore, mockProviders } from '../src/testing/index.js'

/** Intl puts no-break spaces (U+00A0, U+202F) where people write spaces; compare them as spaces. */
const spaces = (text: string | undefined) => text?.replace(/[\u00a0\u202f]/g, ' ')

function caught(run: () => unknown): { code?: string; message: string; details?: Record<string, unknown> } {
  try {
    run()
  } catch (error) {
    return error as { code?: string; message: string; details?: Record<string, unknown> }
  }
  throw new Error('expected an error')
}

describe('templates on LiquidJS: the simple {{ var }} templates keep working', () => {
  it('resolves exact, language and default locales (de-AT → de → default), and sees templates registered after a lookup', () => {
    const registry = createTemplateRegistry([{ name: 'hi', channel: 'sms', text: 'Hello {{name}}' }])
    expect(registry.resolve('hi', 'sms', 'fr-CA')?.text).toBe('Hello {{name}}')
    expect(registry.resolve('bye', 'sms', 'fr-CA')).toBeUndefined()
    registry.register({ name: 'hi', channel: 'sms', locale: 'fr', text: 'Bonjour {{name}}' })
    registry.register({ name: 'bye', channel: 'sms', text: 'Bye' })
    expect(registry.resolve('hi', 'sms', 'fr-CA')?.text).toBe('Bonjour {{name}}')
    expect(registry.resolve('bye', 'sms', 'fr-CA')?.text).toBe('Bye')
    registry.register({ name: 'hi', channel: 'sms', locale: 'fr-CA', text: 'Allô {{name}}' })
    expect(registry.render('hi', { name: 'Ada' }, { locale: 'fr-CA' }).sms).toEqual({
      locale: 'fr-CA',
      text: 'Allô Ada',
    })
    expect(registry.render('hi', { name: 'Ada' }, { locale: 'fr-BE' }).sms).toEqual({
      locale: 'fr',
      text: 'Bonjour Ada',
    })
    expect(registry.render('hi', { name: 'Ada' }, { locale: 'de-AT' }).sms).toEqual({
      locale: 'en',
      text: 'Hello Ada',
    })
  })

  it('escapes {{ }} in html but not {{{ }}} nor | raw; dotted paths; a missing variable names itself and the template', () => {
    const registry = createTemplateRegistry([
      {
        name: 't',
        channel: 'email',
        subject: 'For {{ user.name }}',
        html: '<b>{{ user.name }}</b> {{{raw}}} {{ raw | raw }} {{user.name}}!',
      },
    ])
    const out = registry.render('t', { user: { name: '<Ada & "Bob">' }, raw: '<i>x</i>' }).email
    expect(out?.html).toBe(
      '<b>&lt;Ada &amp; &#34;Bob&#34;&gt;</b> <i>x</i> <i>x</i> &lt;Ada &amp; &#34;Bob&#34;&gt;!',
    )
    // the subject is not HTML: no escaping
    expect(out?.subject).toBe('For <Ada & "Bob">')
    const error = caught(() => registry.render('t', { raw: 1, user: {} }))
    expect(error.code).toBe('NOTIFY_TEMPLATE_MISSING_VARIABLE')
    expect(error.details).toMatchObject({ template: 't', missing: ['user.name'] })
    expect(error.message).toContain('template "t"')
    expect(error.message).toContain('"user.name"')
  })
})

describe('Liquid features: conditionals, loops, filters, partials and a shared layout', () => {
  const registry = createTemplateRegistry(
    [
      {
        name: 'order',
        channel: 'email',
        layout: 'email',
        subject: 'Order {{ order.id }}{% if order.vip %} ⭐{% endif %}',
        html: [
          '<h1>Hi {{ customer.name | capitalize }}</h1>',
          '<ul>{% for line in order.lines %}<li>{{ forloop.index }}. {{ line.title }} × {{ line.qty }}</li>{% endfor %}</ul>',
          '{% if order.lines.size > 1 %}<p>{{ order.lines.size }} items</p>{% else %}<p>one item</p>{% endif %}',
          '{% render "signature", team: "Tickets <Desk>" %}',
        ].join(''),
      },
      {
        name: 'order',
        channel: 'sms',
        text: '{{ customer.name }}: {% for line in order.lines %}{{ line.title }}{% unless forloop.last %}, {% endunless %}{% endfor %} & more',
      },
    ],
    'en',
    {
      email: '<html><body>{% block content %}{% endblock %}<footer>Acme & Co</footer></body></html>',
      signature: '<p>— {{ team }}</p>',
    },
  )
  const data = {
    customer: { name: 'ada' },
    order: {
      id: 'A-1',
      vip: true,
      lines: [
        { title: 'Gala <VIP>', qty: 2 },
        { title: 'Parking', qty: 1 },
      ],
    },
  }

  it('renders the email inside the layout, loops, branches, partials (escaped) and the text part derived from it', () => {
    const email = registry.render('order', data, { channel: 'email' }).email
    expect(email?.subject).toBe('Order A-1 ⭐')
    expect(email?.html).toBe(
      '<html><body><h1>Hi Ada</h1><ul><li>1. Gala &lt;VIP&gt; × 2</li><li>2. Parking × 1</li></ul>' +
        '<p>2 items</p><p>— Tickets &lt;Desk&gt;</p><footer>Acme & Co</footer></body></html>',
    )
    expect(email?.text).toContain('Gala <VIP> × 2')
  })

  it('renders SMS text without HTML escaping', () => {
    expect(registry.render('order', data, { channel: 'sms' }).sms?.text).toBe(
      'ada: Gala <VIP>, Parking & more',
    )
  })

  it('the preview returns every part of every channel the template has', () => {
    const preview = registry.render('order', {
      ...data,
      order: { ...data.order, vip: false, lines: [data.order.lines[0]] },
    })
    expect(Object.keys(preview).sort()).toEqual(['email', 'sms'])
    expect(preview.email).toMatchObject({ locale: 'en', subject: 'Order A-1' })
    expect(preview.email?.html).toContain('<p>one item</p>')
    expect(Object.keys(preview.email ?? {}).sort()).toEqual(['html', 'locale', 'subject', 'text'])
  })

  it('a layout must be registered, and a syntax error names the template, part, line and column', () => {
    expect(() =>
      registry.register({ name: 'x', channel: 'email', layout: 'nope', subject: 's', html: '<p>x</p>' }),
    ).toThrow(/layout "nope", which is not registered/)
    const error = caught(() =>
      registry.register({
        name: 'broken',
        channel: 'email',
        locale: 'de',
        subject: 'ok',
        html: '<p>\n  {% if x %}open',
      }),
    )
    expect(error.code).toBe('NOTIFY_TEMPLATE_ERROR')
    expect(error.message).toMatch(
      /template "broken" \(html, de\) at line 2, column 3: tag \{% if x %\} not closed/,
    )
    expect(error.details).toMatchObject({
      template: 'broken',
      field: 'html',
      locale: 'de',
      line: 2,
      column: 3,
    })
    expect(() => registry.register({ name: 'f', channel: 'sms', text: '{{ x | no_such_filter }}' })).toThrow(
      /undefined filter: no_such_filter/,
    )
  })

  it('composes a layout at registration and again when the layout is replaced; a layout needs a content block', () => {
    const local = createTemplateRegistry([], 'en', {
      frame: '<main>{% block content %}default{% endblock %}</main>',
    })
    local.register({ name: 'n', channel: 'email', layout: 'frame', subject: 's', html: '<p>{{ who }}</p>' })
    expect(local.render('n', { who: 'Ada' }).email?.html).toBe('<main><p>Ada</p></main>')
    local.registerPartial('frame', '<section>{%- block content -%}{%- endblock -%}</section>')
    expect(local.render('n', { who: 'Ada' }).email?.html).toBe('<section><p>Ada</p></section>')
    local.registerPartial('plain', '<div></div>')
    expect(() =>
      local.register({ name: 'm', channel: 'email', layout: 'plain', subject: 's', html: '<p>x</p>' }),
    ).toThrow(/layout "plain" has no \{% block content %\}/)
    // an error in the html is reported at its own line and column, not the composed source's
    expect(() =>
      local.register({
        name: 'm',
        channel: 'email',
        layout: 'frame',
        subject: 's',
        html: 'a\n{{ x | nope }}',
      }),
    ).toThrow(/\(html, en\) at line 2, column 1: undefined filter: nope/)
  })

  it('parses each part and partial once, at registration: rendering does not parse or look up again', () => {
    const fresh = createTemplateRegistry(registry.list(), 'en', {
      email: '<main>{% block content %}{% endblock %}</main>',
      signature: '<p>{{ team }}</p>',
    })
    const parse = vi.spyOn(Liquid.prototype, 'parse')
    const parseSource = vi.spyOn(Parser.prototype, 'parse')
    try {
      for (let i = 0; i < 50; i++) fresh.render('order', data)
      expect(parse).not.toHaveBeenCalled()
      expect(parseSource).not.toHaveBeenCalled()
    } finally {
      parse.mockRestore()
      parseSource.mockRestore()
    }
  })

  it('a partial may be registered after the template using it, and a replaced partial is the one rendered', () => {
    const local = createTemplateRegistry([
      { name: 'n', channel: 'email', subject: 's', html: '{% render "sig", team: team %}' },
      { name: 'n', channel: 'sms', text: '{% render "sig", team: team %}' },
    ])
    expect(() => local.render('n', { team: 'A' }, { channel: 'sms' })).toThrow(/Failed to lookup "sig"/)
    local.registerPartial('sig', '<p>{{ team }}</p>')
    expect(local.render('n', { team: '<A>' }, { channel: 'sms' }).sms?.text).toBe('<p><A></p>')
    expect(local.render('n', { team: '<A>' }, { channel: 'email' }).email?.html).toBe('<p>&lt;A&gt;</p>')
    local.registerPartial('sig', '<b>{{ team }}</b>')
    expect(local.render('n', { team: '<A>' }, { channel: 'sms' }).sms?.text).toBe('<b><A></b>')
    expect(local.render('n', { team: '<A>' }, { channel: 'email' }).email?.html).toBe('<b>&lt;A&gt;</b>')
    expect(() => local.registerPartial('sig', '{% if x %}')).toThrow(/template "sig" \(partial\)/)
    expect(local.render('n', { team: 'A' }, { channel: 'sms' }).sms?.text).toBe('<b>A</b>')
  })
})

describe('money, numbers and dates in the recipient locale and time zone', () => {
  const registry = createTemplateRegistry([
    {
      name: 'receipt',
      channel: 'sms',
      text: '{{ total | money: currency }}|{{ count | number }}|{{ share | percent }}|{{ at | datetime }}|{{ at | datetime: "long", "none" }}|{{ tax | number: 2 }}',
    },
  ])
  const data = {
    total: 1234.5,
    currency: 'EUR',
    count: 1234567.891,
    share: 0.125,
    at: '2026-12-24T17:30:00Z',
    tax: 3,
  }

  it.each([
    // written by hand from CLDR's conventions (de-AT groups money with "." and other numbers with a
    // space) and the zone offsets (Vienna UTC+1, New York UTC-5, Tokyo UTC+9)
    ['de-AT', 'Europe/Vienna', '€ 1.234,50|1 234 567,891|12,5 %|24.12.2026, 18:30|24. Dezember 2026|3,00'],
    [
      'en-US',
      'America/New_York',
      '€1,234.50|1,234,567.891|12.5%|Dec 24, 2026, 12:30 PM|December 24, 2026|3.00',
    ],
    ['en-GB', 'Asia/Tokyo', '€1,234.50|1,234,567.891|12.5%|25 Dec 2026, 02:30|25 December 2026|3.00'],
    ['fr', 'UTC', '1 234,50 €|1 234 567,891|12,5 %|24 déc. 2026, 17:30|24 décembre 2026|3,00'],
  ])('%s in %s', (locale, timeZone, expected) => {
    expect(spaces(registry.render('receipt', data, { locale, timeZone }).sms?.text)).toBe(expected)
  })

  it('a wrong value or currency is a template error, not a wrong number', () => {
    expect(() => registry.render('receipt', { ...data, total: 'lots' })).toThrow(
      /money: "lots" is not a number/,
    )
    expect(() => registry.render('receipt', { ...data, currency: 'euro' })).toThrow(/ISO 4217/)
  })
})

describe('the sandbox', () => {
  it('gives no prototype access and reads no file, whatever the template asks', () => {
    const secret = join(tmpdir(), `opskit-secret-${process.pid}.liquid`)
    writeFileSync(secret, 'TOP SECRET')
    const registry = createTemplateRegistry([
      { name: 'proto', channel: 'sms', text: '{{ name.constructor }}' },
      { name: 'proto2', channel: 'sms', text: '{{ user.__proto__.polluted }}{{ user.constructor.name }}' },
      { name: 'file', channel: 'sms', text: `{% include '${secret}' %}` },
      { name: 'relative', channel: 'sms', text: `{% render '../../../../../../..${secret}' %}` },
      { name: 'dynamic', channel: 'sms', text: '{% include path %}' },
    ])
    expect(() => registry.render('proto', { name: 'x' })).toThrow(/needs "name.constructor"/)
    expect(() => registry.render('proto2', { user: {} })).toThrow(/needs "user.__proto__"/)
    for (const name of ['file', 'relative']) {
      const error = caught(() => registry.render(name, {}))
      expect(error.code).toBe('NOTIFY_TEMPLATE_ERROR')
      expect(error.message).toContain('Failed to lookup')
      expect(error.message).not.toContain('TOP SECRET')
    }
    expect(() => registry.render('dynamic', { path: secret })).toThrow(/Failed to lookup/)
  })

  it('stops a runaway loop with an error', () => {
    const registry = createTemplateRegistry([
      { name: 'loop', channel: 'sms', text: '{% for i in (1..100000000) %}{{ i }}{% endfor %}' },
    ])
    const started = Date.now()
    expect(() => registry.render('loop', {})).toThrow(
      /memory alloc limit exceeded|template render limit exceeded/,
    )
    expect(Date.now() - started).toBeLessThan(5_000)
  })

  it('stops a loop that allocates nothing (only the render time limit can) within about its second', () => {
    const registry = createTemplateRegistry([
      {
        name: 'nested',
        channel: 'sms',
        text: '{% for a in list %}{% for b in list %}{% for c in list %}{% endfor %}{% endfor %}{% endfor %}',
      },
    ])
    const list = Array.from({ length: 2_000 }, (_, index) => index)
    const started = Date.now()
    const error = caught(() => registry.render('nested', { list }))
    expect(error.code).toBe('NOTIFY_TEMPLATE_ERROR')
    expect(error.message).toMatch(/template "nested" \(text, en\).*template render limit exceeded/)
    expect(Date.now() - started).toBeLessThan(5_000)
  })
})

describe('through the notifier', () => {
  it('a missing variable fails the send naming the variable and the template; nothing is sent or recorded', async () => {
    const mocks = mockProviders()
    const notifier = await createNotifier({
      store: createMemoryNotifyStore(),
      providers: mocks.providers,
      partials: { brand: '<header>{{ brand }}</header>' },
      templates: [
        {
          name: 'welcome',
          channel: 'email',
          subject: 'Hi {{ name }}',
          html: '{% render "brand", brand: brand %}<p>{{ name }}</p>',
        },
        { name: 'welcome', channel: 'sms', text: 'Hi {{ name }}' },
      ],
    })
    const error = await notifier
      .send({
        to: { email: 'a@example.com', phone: '+14155550100' },
        channels: ['email', 'sms'],
        template: 'welcome',
        data: { name: 'Ada' },
      })
      .then(
        () => undefined,
        (e: unknown) => e,
      )
    expect(isOpskitError(error, 'NOTIFY_TEMPLATE_MISSING_VARIABLE')).toBe(true)
    expect((error as Error).message).toMatch(/template "brand" .*needs "brand"|needs "brand"/)
    expect(mocks.email.calls + mocks.sms.calls).toBe(0)
    expect(await notifier.deliveries.list()).toEqual([])

    await notifier.preferences.set('u1', { locale: 'de-AT', timeZone: 'Europe/Vienna' })
    const sent = await notifier.send({
      userId: 'u1',
      to: { email: 'a@example.com' },
      channels: ['email'],
      template: 'welcome',
      data: { name: '<Ada>', brand: 'Acme' },
    })
    expect(sent.deliveries[0]?.status).toBe('sent')
    expect(mocks.email.sent[0]?.html).toBe('<header>Acme</header><p>&lt;Ada&gt;</p>')
    expect(mocks.email.sent[0]?.subject).toBe('Hi <Ada>')
    await notifier.close()
  })
})
