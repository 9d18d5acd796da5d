// The notify template case: a layout + partial email (subject, html, text) rendered through the
// notifier's template registry (LiquidJS-parsed, compiled fast path) against plain string
// concatenation producing the same three strings: same HTML escaping, and the money format of the
// recipient's locale and the order's currency, picked once per render from a cache as a
// hand-written renderer would (the template reads both from its input too). The outputs are
// compared first.
import { escapeHtml } from '@opskit/core/internal'
import { createTemplateRegistry } from '@opskit/notify'
import { type ComparisonRow, opsPerSecond, ratioAtLeast } from './compare.js'

const data = {
  customer: { name: 'Ada <Lovelace>' },
  order: {
    id: 'A-1042',
    currency: 'EUR',
    total: 184.5,
    lines: [
      { title: 'Gala night', qty: 2, price: 79 },
      { title: 'Parking & shuttle', qty: 1, price: 18.5 },
      { title: 'Programme', qty: 1, price: 8 },
    ],
  },
}

const registry = createTemplateRegistry(
  [
    {
      name: 'order',
      channel: 'email',
      layout: 'email',
      subject: 'Your order {{ order.id }}',
      html:
        '<h1>Hi {{ customer.name }}</h1><ul>{% for line in order.lines %}<li>{{ line.qty }} × {{ line.title }}: ' +
        "{{ line.price | money: order.currency }}</li>{% endfor %}</ul><p>Total {{ order.total | money: order.currency }}</p>{% render 'signature', team: 'Acme Tickets' %}",
      text: 'Hi {{ customer.name }}\n{% for line in order.lines %}{{ line.qty }} x {{ line.title }}: {{ line.price | money: order.currency }}\n{% endfor %}Total {{ order.total | money: order.currency }}',
    },
  ],
  'en',
  {
    email: '<html><body>{% block content %}{% endblock %}<footer>Acme Tickets GmbH</footer></body></html>',
    signature: '<p>— {{ team }}</p>',
  },
)

const LOCALE = 'de-AT'
const moneyFormats = new Map<string, Intl.NumberFormat>()

/** The money format of a locale and currency, built once (as the `money` filter keeps it). */
function moneyFormat(locale: string, currency: string): Intl.NumberFormat {
  const key = `${locale}|${currency}`
  let format = moneyFormats.get(key)
  if (!format) {
    format = new Intl.NumberFormat(locale, {
      style: 'currency',
      currency,
      minimumFractionDigits: 2,
      maximumFractionDigits: 2,
    })
    moneyFormats.set(key, format)
  }
  return format
}

function concatenated(input: typeof data, locale: string) {
  const money = moneyFormat(locale, input.order.currency)
  let items = ''
  let lines = ''
  for (const line of input.order.lines) {
    items += `<li>${escapeHtml(String(line.qty))} × ${escapeHtml(line.title)}: ${escapeHtml(money.format(line.price))}</li>`
    lines += `${line.qty} x ${line.title}: ${money.format(line.price)}\n`
  }
  return {
    subject: `Your order ${input.order.id}`,
    html: `<html><body><h1>Hi ${escapeHtml(input.customer.name)}</h1><ul>${items}</ul><p>Total ${escapeHtml(money.format(input.order.total))}</p><p>— Acme Tickets</p><footer>Acme Tickets GmbH</footer></body></html>`,
    text: `Hi ${input.customer.name}\n${lines}Total ${money.format(input.order.total)}`,
  }
}

const render = () =>
  registry.render('order', data, { locale: LOCALE, timeZone: 'Europe/Vienna', channel: 'email' }).email

/** The comparison row; throws when the two do not produce the same subject, HTML and text. */
export async function templateCase(runs: number): Promise<ComparisonRow> {
  const ours = render()
  const baseline = concatenated(data, LOCALE)
  for (const part of ['subject', 'html', 'text'] as const) {
    if (ours?.[part] !== baseline[part]) {
      throw new Error(
        `template case: the ${part} differs\n  ours:     ${ours?.[part]}\n  baseline: ${baseline[part]}`,
      )
    }
  }
  return opsPerSecond(
    'email template with layout + partial + loop + money (LiquidJS-parsed, compiled fast path) vs string concatenation of the same subject/html/text',
    render,
    () => concatenated(data, LOCALE),
    { runs, target: ratioAtLeast(0.3) },
  )
}
