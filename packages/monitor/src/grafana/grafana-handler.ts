import type { IncomingMessage, ServerResponse } from 'node:http'
import { isOpskitError } from '@opskit/core'
import type { Incident } from '../incidents/incident.js'
import { createAccessGuard, type MetricsHandlerOptions } from '../metrics/metrics-handler.js'
import type { AlertInstance } from '../rules/alert-types.js'
import type { RuleEngine } from '../rules/rule-engine-types.js'
import { grafanaQuery, toMs } from './grafana-query.js'

/** What the Grafana datasource reads. */
export interface GrafanaSource {
  engine: RuleEngine
  incidents: () => Incident[]
  alerts: () => AlertInstance[]
}

/** The Grafana JSON datasource handler: `monitor.grafana`. */
export interface Grafana {
  /**
   * Serves the SimpleJSON contract (`GET /`, `POST /search`, `/query`, `/annotations`,
   * `/tag-keys`, `/tag-values`) and the newer JSON-datasource one (`POST /metrics`,
   * `/metric-payload-options`, `/variable`), behind the same access options as `/metrics`
   * (closed by default). Query targets are rule expressions; the target `ALERTS` as a table
   * lists alert instances. A plain selector of a recorded metric is read from the persisted
   * history (one point per bucket, the target payload's `aggregate`, `avg` by default); a range
   * starting before what the monitor can answer gets `meta.availableFrom` on its series. Paths
   * are matched at their end, so it can be mounted under a prefix.
   */
  handler(options?: MetricsHandlerOptions): (req: IncomingMessage, res: ServerResponse) => Promise<void>
}

const MAX_BODY = 1_000_000

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of req) {
    size += (chunk as Buffer).length
    if (size > MAX_BODY) throw Object.assign(new Error('body too large'), { status: 413 })
    chunks.push(chunk as Buffer)
  }
  if (size === 0) return {}
  const parsed: unknown = JSON.parse(Buffer.concat(chunks).toString('utf8'))
  return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)
    ? (parsed as Record<string, unknown>)
    : {}
}

/** Builds {@link Grafana}. */
export function createGrafana(source: GrafanaSource): Grafana {
  return {
    handler(options) {
      const guard = createAccessGuard(options, 'grafana')
      const send = (res: ServerResponse, status: number, body: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' })
        res.end(JSON.stringify(body))
      }
      return async (req, res) => {
        if (!(await guard(req, res))) return
        const path = (req.url ?? '/').split('?')[0] as string
        const route = path.replace(/\/+$/, '').split('/').pop() ?? ''
        try {
          if (req.method === 'GET') return send(res, 200, { status: 'ok' })
          if (req.method !== 'POST') return send(res, 404, { error: 'not found' })
          const body = await readJson(req)
          switch (route) {
            case 'search': {
              const needle = typeof body.target === 'string' ? body.target : ''
              return send(
                res,
                200,
                ['ALERTS', ...source.engine.metricNames()].filter((n) => n.includes(needle)),
              )
            }
            case 'metrics': {
              const needle = typeof body.metric === 'string' ? body.metric : ''
              return send(
                res,
                200,
                ['ALERTS', ...source.engine.metricNames()]
                  .filter((n) => n.includes(needle))
                  .map((n) => ({ label: n, value: n })),
              )
            }
            case 'metric-payload-options':
              return send(res, 200, [])
            case 'variable':
              return send(
                res,
                200,
                source.engine.metricNames().map((n) => ({ __text: n, __value: n })),
              )
            case 'tag-keys':
              return send(
                res,
                200,
                source.engine.labelNames().map((text) => ({ type: 'string', text })),
              )
            case 'tag-values':
              return send(
                res,
                200,
                source.engine
                  .labelValues(typeof body.key === 'string' ? body.key : '')
                  .map((text) => ({ text })),
              )
            case 'query':
              return send(res, 200, await grafanaQuery(source, body))
            case 'annotations': {
              const range = (body.range ?? {}) as Record<string, unknown>
              const to = toMs(range.to, Date.now())
              const from = toMs(range.from, to - 86_400_000)
              const annotation = body.annotation ?? {}
              return send(
                res,
                200,
                source
                  .incidents()
                  .filter((i) => i.triggeredAt <= to && (i.resolvedAt ?? to) >= from)
                  .map((i) => ({
                    annotation,
                    time: i.triggeredAt,
                    ...(i.resolvedAt !== undefined ? { timeEnd: i.resolvedAt } : {}),
                    title: i.title,
                    tags: [i.status, i.receiver],
                    text: `${i.status}${i.acknowledgedBy ? `, acknowledged by ${i.acknowledgedBy}` : ''}`,
                  })),
              )
            }
            default:
              return send(res, 404, { error: 'not found' })
          }
        } catch (error) {
          const status = (error as { status?: number }).status
          if (status === 413) return send(res, 413, { error: 'body too large' })
          if (error instanceof SyntaxError) return send(res, 400, { error: 'invalid JSON' })
          if (isOpskitError(error)) return send(res, 400, { error: error.message })
          return send(res, 500, { error: 'internal error' })
        }
      }
    },
  }
}
