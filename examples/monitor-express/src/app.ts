import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createMonitor, type Monitor } from '@opskit/monitor'
import express from 'express'

/** An Express app instrumented by @opskit/monitor, listening on loopback. */
export async function startApp(options: { port?: number; metrics: { username: string; password: string } }) {
  const monitor: Monitor = await createMonitor({ serviceName: 'shop-api' })
  monitor.health.register('self', async () => ({ status: 'pass' }), { kind: 'liveness' })
  const orders = monitor.metrics.counter<'status'>({
    name: 'shop_orders_total',
    help: 'Orders by outcome.',
    labelNames: ['status'],
  })

  const app = express()
  // RED metrics: the route label is Express's own template (`/products/:id`), never the raw URL.
  app.use(monitor.http.middleware())
  app.get('/metrics', monitor.metricsHandler({ basicAuth: options.metrics }))
  const health = monitor.health.handler()
  app.get(['/healthz', '/readyz'], (req, res) => void health(req, res))
  app.get('/products/:id', (req, res) => {
    if (!/^\d+$/.test(req.params.id)) {
      res.status(404).json({ error: 'no such product' })
      return
    }
    res.json({ id: Number(req.params.id), name: `Product ${req.params.id}` })
  })
  app.post('/orders', (_req, res) => {
    orders.inc({ status: 'created' })
    res.status(201).json({ ok: true })
  })

  const server: Server = await new Promise((resolve) => {
    const s = app.listen(options.port ?? 0, '127.0.0.1', () => resolve(s))
  })
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    async close() {
      await monitor.close()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}
