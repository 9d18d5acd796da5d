import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { openSqlite } from '@opskit/core/sqlite'
import { tempSqlitePath } from '@opskit/test-support'
import { afterAll, describe, expect, it } from 'vitest'
import { createKyselyNotifyStore, createNotifier } from '../src/index.js'
import { createMemoryNotifyStore, expectSent, mockProviders } from '../src/testing/index.js'

const dirs: string[] = []
/** A template directory with these files (paths relative to it). */
function templateDir(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'opskit-templates-'))
  dirs.push(dir)
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true })
    writeFileSync(join(dir, path), content)
  }
  return dir
}
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true })
})

const fleet = {
  '_layouts/email.liquid': '<html><body>{% block content %}{% endblock %}</body></html>',
  '_partials/footer.liquid': '<footer>{{ team }}</footer>',
  'welcome/en.subject.liquid': 'Welcome {{ name }}',
  'welcome/en.html.liquid':
    "{% layout 'email' %}{% block content %}<p>Hello {{ name }}</p>{% render 'footer', team: 'The team' %}{% endblock %}",
  'welcome/de.subject.liquid': 'Willkommen {{ name }}',
  'welcome/de.html.liquid':
    "{% layout 'email' %}{% block content %}<p>Hallo {{ name }}</p>{% render 'footer', team: 'Das Team' %}{% endblock %}",
  'welcome/en.sms.text.liquid': 'Welcome {{ name }} & co',
  'doors/en.push.title.liquid': 'Doors open',
  'doors/en.push.text.liquid': 'Gate {{ gate }} at {{ at | datetime: "none", "short" }}',
}

describe('templates from a directory', () => {
  it('loads one folder per template and one file per locale and part, with layouts and partials; falls back de-AT → de → default', async () => {
    const mocks = mockProviders()
    const notifier = await createNotifier({
      store: createMemoryNotifyStore(),
      providers: mocks.providers,
      templateDirectory: templateDir(fleet),
    })
    expect(notifier.templates.partials().sort()).toEqual(['email', 'footer'])
    for (const [locale, subject, html] of [
      [
        'de-AT',
        'Willkommen <Ada>',
        '<html><body><p>Hallo &lt;Ada&gt;</p><footer>Das Team</footer></body></html>',
      ],
      [
        'de',
        'Willkommen <Ada>',
        '<html><body><p>Hallo &lt;Ada&gt;</p><footer>Das Team</footer></body></html>',
      ],
      [
        'fr-CA',
        'Welcome <Ada>',
        '<html><body><p>Hello &lt;Ada&gt;</p><footer>The team</footer></body></html>',
      ],
    ] as const) {
      await notifier.send({
        to: { email: 'ada@example.com', phone: '+14155550100' },
        channels: ['email', 'sms'],
        template: 'welcome',
        locale,
        data: { name: '<Ada>' },
      })
      expectSent(mocks, { channel: 'email', subject, html })
    }
    expectSent(mocks, { channel: 'sms', body: 'Welcome <Ada> & co' })
    await notifier.preferences.set('u', { timeZone: 'Asia/Tokyo', locale: 'en-GB' })
    await notifier.send({
      userId: 'u',
      to: { deviceTokens: ['device-token-1'] },
      channels: ['push'],
      template: 'doors',
      data: { gate: 'B', at: '2026-12-24T17:30:00Z' },
    })
    expect(mocks.push.sent[0]).toMatchObject({ title: 'Doors open', body: 'Gate B at 02:30' })
    expect(Object.keys(notifier.templates.render('welcome', { name: 'x' }, { locale: 'de' }))).toEqual([
      'email',
      'sms',
    ])
    await notifier.close()
  })

  it('names the file, line and column of a syntax error, and refuses unknown files and symbolic links', async () => {
    const broken = templateDir({
      ...fleet,
      'receipt/en.subject.liquid': 'Receipt',
      'receipt/en.html.liquid': '<p>\n  {% if total %}{{ total }}</p>',
    })
    await expect(
      createNotifier({ store: createMemoryNotifyStore(), templateDirectory: broken }),
    ).rejects.toMatchObject({
      code: 'NOTIFY_TEMPLATE_ERROR',
      message: expect.stringMatching(
        /template "receipt" \(html, en\) in receipt\/en\.html\.liquid at line 2, column 3: /,
      ),
      details: { file: 'receipt/en.html.liquid', line: 2, column: 3 },
    })
    const brokenPartial = templateDir({ ...fleet, '_partials/footer.liquid': '{% for x in y %}' })
    await expect(
      createNotifier({ store: createMemoryNotifyStore(), templateDirectory: brokenPartial }),
    ).rejects.toMatchObject({
      message: expect.stringContaining('in _partials/footer.liquid at line 1, column 1'),
    })
    const typo = templateDir({ ...fleet, 'welcome/en.htm.liquid': '<p>x</p>' })
    await expect(
      createNotifier({ store: createMemoryNotifyStore(), templateDirectory: typo }),
    ).rejects.toThrow(/welcome\/en\.htm\.liquid: expected <locale>\.<part>\.liquid/)
    const linked = templateDir(fleet)
    symlinkSync('/etc/hostname', join(linked, 'welcome', 'fr.subject.liquid'))
    await expect(
      createNotifier({ store: createMemoryNotifyStore(), templateDirectory: linked }),
    ).rejects.toThrow(/welcome\/fr\.subject\.liquid: symbolic links are not followed/)
  })
})

describe('templates stored in the host database', () => {
  it('saves templates and partials through the store; another notifier on the same database renders them', async () => {
    const file = tempSqlitePath('templates.db')
    const db = openSqlite(file.path)
    try {
      const first = await createNotifier({ db })
      await first.templates.savePartial('layout', '<main>{% block content %}{% endblock %}</main>')
      await first.templates.save({
        name: 'invoice',
        channel: 'email',
        locale: 'de',
        layout: 'layout',
        subject: 'Rechnung {{ number }}',
        html: '<p>Summe: {{ total | money: "EUR" }}</p>',
      })
      await expect(
        first.templates.save({
          name: 'invoice',
          channel: 'email',
          locale: 'fr',
          subject: '{% if %}',
          html: 'x',
        }),
      ).rejects.toMatchObject({ code: 'NOTIFY_TEMPLATE_ERROR' })
      const mocks = mockProviders()
      const second = await createNotifier({ db, providers: mocks.providers })
      const preview = second.templates.render('invoice', { number: 7, total: 1234.5 }, { locale: 'de-AT' })
      expect(preview.email?.subject).toBe('Rechnung 7')
      expect(preview.email?.html?.replace(/\u00a0/g, ' ')).toBe('<main><p>Summe: € 1.234,50</p></main>')
      const stored = await (await createKyselyNotifyStore({ db })).listTemplates?.('')
      expect(
        stored?.map((r) =>
          r.kind === 'partial' ? `partial:${r.name}` : `${r.template.name}:${r.template.locale}`,
        ),
      ).toEqual(['partial:layout', 'invoice:de'])
      await first.close()
      await second.close()
    } finally {
      await db.destroy()
      file.cleanup()
    }
  })
})
