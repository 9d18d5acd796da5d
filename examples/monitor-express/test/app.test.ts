import { afterAll, beforeAll, expect, it } from 'vitest'
import { startApp } from '../src/app.js'

const metrics = { username: 'prometheus', password: 'test-password-1' }
let app: Awaited<ReturnType<typeof startApp>>
beforeAll(async () => {
  app = await startApp({ metrics })
})
afterAll(async () => {
  await app?.close()
})

it('labels RED metrics with the Express route template and guards /metrics', async () => {
  for (const id of ['1', '2', '3', 'x']) await fetch(`${app.url}/products/${id}`)
  expect((await fetch(`${app.url}/orders`, { method: 'POST' })).status).toBe(201)
  expect((await fetch(`${app.url}/metrics`)).status).toBe(401)
  const auth = Buffer.from(`${metrics.username}:${metrics.password}`).toString('base64')
  const text = await (
    await fetch(`${app.url}/metrics`, { headers: { authorization: `Basic ${auth}` } })
  ).text()
  expect(text).toMatch(
    /http_server_request_duration_seconds_count\{[^}]*route="\/products\/:id"[^}]*status_class="2xx"[^}]*\} 3/,
  )
  expect(text).toMatch(
    /http_server_request_duration_seconds_count\{[^}]*route="\/products\/:id"[^}]*status_class="4xx"[^}]*\} 1/,
  )
  expect(text).not.toContain('/products/1"')
  expect(text).toMatch(/shop_orders_total\{status="created"\} 1/)
  expect((await fetch(`${app.url}/healthz`)).status).toBe(200)
})
