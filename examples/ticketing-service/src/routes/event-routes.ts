import { uuidv7 } from '@opskit/core'
import { z } from 'zod'
import { readJson, sendJson } from '../http/json.js'
import type { Router } from '../http/router.js'
import { type ApiDeps, requireApiSession } from './context.js'

const eventSchema = z
  .object({
    name: z.string().trim().min(1).max(200),
    venue: z.string().trim().min(1).max(200),
    startsAt: z.iso.datetime(),
    capacity: z.number().int().positive().max(1_000_000),
    priceCents: z.number().int().nonnegative().max(10_000_000),
  })
  .strict()

/** Registers the event catalogue: anyone lists events, organizers and admins create them. */
export function registerEventRoutes(router: Router, deps: ApiDeps): void {
  const { db, now } = deps

  router.on('GET', '/api/events', async ({ res }) => {
    const rows = await db.selectFrom('tix_events').selectAll().orderBy('starts_at').limit(200).execute()
    sendJson(res, 200, {
      events: rows.map((e) => ({
        id: e.id,
        name: e.name,
        venue: e.venue,
        startsAt: e.starts_at,
        capacity: e.capacity,
        available: e.capacity - e.sold,
        priceCents: e.price_cents,
      })),
    })
  })

  router.on('POST', '/api/events', async ({ req, res }) => {
    await requireApiSession(deps, req, ['organizer', 'admin'])
    const input = await readJson(req, eventSchema)
    const id = uuidv7()
    await db
      .insertInto('tix_events')
      .values({
        id,
        name: input.name,
        venue: input.venue,
        starts_at: new Date(input.startsAt).toISOString(),
        capacity: input.capacity,
        sold: 0,
        price_cents: input.priceCents,
        created_at: now().toISOString(),
      })
      .execute()
    sendJson(res, 201, { id, ...input, available: input.capacity })
  })
}
