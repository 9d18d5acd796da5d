import { apiClient } from './api-client.js'
import { type DemoContext, expectStatus, inBatches, range } from './demo-context.js'
import type { DemoStep } from './step-runner.js'

/** Publish events, sell tickets, let a scalper bot hit the hot event, refund an order. */
export function salesSteps(ctx: DemoContext): DemoStep[] {
  return [
    {
      title: 'the organizer publishes two events',
      async run() {
        for (const [name, capacity, priceCents] of [
          ['Midnight Jazz', 120, 4_500],
          ['Stadium Tour 2027', 60, 12_000],
        ] as const) {
          const res = await ctx.api()(
            'POST',
            '/api/events',
            { name, venue: 'Opskit Arena', startsAt: '2027-06-01T20:00:00Z', capacity, priceCents },
            ctx.organizer.token,
          )
          expectStatus(res, 201, `publishing ${name}`)
          ctx.events.push({ id: res.json.id, name })
        }
        return ctx.events.map((e) => e.name).join(', ')
      },
    },
    {
      title: 'customers buy tickets',
      async run() {
        let tickets = 0
        await inBatches(ctx.tokens, 3, async ({ token }) => {
          const i = ctx.tokens.findIndex((t) => t.token === token)
          const event = ctx.events[i % 3 === 0 ? 1 : 0]!
          const quantity = 1 + (i % 3)
          const res = await ctx.api()('POST', '/api/orders', { eventId: event.id, quantity }, token)
          expectStatus(res, 201, 'a purchase')
          ctx.orders.push({ orderId: res.json.orderId, token })
          tickets += quantity
        })
        return `${ctx.orders.length} orders, ${tickets} tickets`
      },
    },
    {
      title: 'a scalper bot session hammers the hot event until it sells out',
      async run() {
        const bot = apiClient(ctx.svc().url, 'ticket-sniper/2.1')
        const reg = await bot('POST', '/api/users', {
          email: 'bulkbuyer@resale.example',
          password: 'bot-password-1',
          name: 'B',
        })
        expectStatus(reg, 201, 'the bot registering')
        const token = (
          await bot('POST', '/api/sessions', {
            email: 'bulkbuyer@resale.example',
            password: 'bot-password-1',
          })
        ).json.token
        const hot = ctx.events[1]!
        let bought = 0
        let refused = 0
        for (const _ of range(12)) {
          const res = await bot('POST', '/api/orders', { eventId: hot.id, quantity: 10 }, token)
          if (res.status === 201) bought += 10
          else if (res.status === 409) refused++
          else expectStatus(res, 201, 'a bot purchase')
        }
        const list = await ctx.api()('GET', '/api/events')
        const left = list.json.events.find((e: { id: string }) => e.id === hot.id).available
        if (refused === 0 || left >= 10) throw new Error(`the bot was never refused (${left} left)`)
        return `12 orders in a burst from one session: ${bought} tickets bought, ${refused} refused as SOLD_OUT, ${left} left`
      },
    },
    {
      title: 'a customer refunds an order',
      async run() {
        const fan0 = ctx.tokens.find((t) => t.email === 'fan0@tickets.example')!
        const order = ctx.orders.find((o) => o.token === fan0.token)!
        const res = await ctx.api()(
          'POST',
          `/api/orders/${order.orderId}/refund`,
          { reason: 'cannot attend' },
          order.token,
        )
        expectStatus(res, 200, 'the refund')
        const again = await ctx.api()(
          'POST',
          `/api/orders/${order.orderId}/refund`,
          { reason: 'again' },
          order.token,
        )
        expectStatus(again, 409, 'a second refund')
        return `refunded €${(res.json.amountCents / 100).toFixed(2)}; a second refund refused with 409`
      },
    },
  ]
}
