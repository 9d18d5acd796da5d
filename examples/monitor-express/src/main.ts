// `npm start -w @opskit-examples/monitor-express`: serves the instrumented Express app on port
// 3000 (PORT to change it), makes a few requests to itself and prints the RED metrics.
import { startApp } from './app.js'

const metrics = { username: 'prometheus', password: 'change-me-please' }
const app = await startApp({ port: Number(process.env.PORT ?? 3000), metrics })
for (const path of ['/products/1', '/products/2', '/products/nope']) await fetch(`${app.url}${path}`)
await fetch(`${app.url}/orders`, { method: 'POST' })
const auth = Buffer.from(`${metrics.username}:${metrics.password}`).toString('base64')
const text = await (await fetch(`${app.url}/metrics`, { headers: { authorization: `Basic ${auth}` } })).text()
console.log(
  text
    .split('\n')
    .filter((l) => /^(http_server_request_duration_seconds_count|shop_orders_total)/.test(l))
    .join('\n'),
)
console.log(`\nlistening on ${app.url} (Ctrl-C stops): /products/:id, POST /orders, /healthz, /metrics`)
process.once('SIGINT', () => void app.close().then(() => process.exit(0)))
