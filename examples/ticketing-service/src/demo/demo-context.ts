import type { TicketingService } from '../service.js'
import { type ApiResponse, apiClient, parseMetrics, type Sample } from './api-client.js'
import type { startLocalSmtp } from './local-smtp.js'

export const ADMIN = { email: 'admin@tickets.example', password: 'demo-admin-password' }
export const METRICS = { username: 'prometheus', password: 'demo-scrape-password' }
export const OPERATORS = { email: 'oncall@tickets.example', phone: '+15555550100' }
export const CUSTOMERS = 24
export const SPIKE_EXTRA_MS = 900

/** `[0, 1, …, n - 1]`. */
export const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i)

/** Resolves after `ms`. */
export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

/** Throws unless the response has `status`. */
export function expectStatus(res: ApiResponse, status: number, what: string): void {
  if (res.status !== status) {
    throw new Error(`${what}: expected HTTP ${status}, got ${res.status} ${JSON.stringify(res.json)}`)
  }
}

/** Runs `fn` over `items`, `size` at a time. */
export async function inBatches<T>(items: T[], size: number, fn: (item: T) => Promise<void>): Promise<void> {
  for (let i = 0; i < items.length; i += size) await Promise.all(items.slice(i, i + size).map(fn))
}

/** What the demo's steps share: the running service and what earlier steps created. */
export interface DemoContext {
  outDir: string
  workDir: string
  spikeMs: number
  service: TicketingService | undefined
  smtp: Awaited<ReturnType<typeof startLocalSmtp>> | undefined
  csvArtifact: string | undefined
  spike: { from: number; to: number }
  tokens: { email: string; token: string }[]
  orders: { orderId: string; token: string }[]
  organizer: { id: string; token: string }
  adminToken: string
  events: { id: string; name: string }[]
  /** The started service (throws before the start step ran). */
  svc(): TicketingService
  /** An API client of the service with a browser-like user agent. */
  api(userAgent?: string): ReturnType<typeof apiClient>
  /** A scrape of the secured /metrics. */
  metrics(): Promise<Sample[]>
}

/** A fresh context for one demo run. */
export function createDemoContext(options: {
  outDir: string
  workDir: string
  spikeMs: number
}): DemoContext {
  const ctx: DemoContext = {
    ...options,
    service: undefined,
    smtp: undefined,
    csvArtifact: undefined,
    spike: { from: 0, to: 0 },
    tokens: [],
    orders: [],
    organizer: { id: '', token: '' },
    adminToken: '',
    events: [],
    svc() {
      if (!ctx.service) throw new Error('the service did not start')
      return ctx.service
    },
    api: (userAgent = 'Mozilla/5.0 (demo browser)') => apiClient(ctx.svc().url, userAgent),
    async metrics() {
      const auth = Buffer.from(`${METRICS.username}:${METRICS.password}`).toString('base64')
      const res = await fetch(`${ctx.svc().url}/metrics`, { headers: { authorization: `Basic ${auth}` } })
      if (res.status !== 200) throw new Error(`/metrics answered ${res.status}`)
      return parseMetrics(await res.text())
    },
  }
  return ctx
}
