import { pipeline } from 'node:stream/promises'
import { isOpskitError } from '@opskit/core'
import { unmappedIp } from '../http/client-ip.js'
import { HttpError } from '../http/http-error.js'
import type { Router } from '../http/router.js'
import type { ReportsWiring } from '../wiring/reports.js'
import { actorOf } from './context.js'

const REFUSED: Record<string, [number, string]> = {
  REPORTS_TOKEN_INVALID: [404, 'no such download link'],
  REPORTS_TOKEN_EXPIRED: [410, 'this download link has expired'],
  REPORTS_TOKEN_EXHAUSTED: [410, 'this download link was used already'],
  REPORTS_TOKEN_IP_MISMATCH: [403, 'this download link belongs to another address'],
}

/** `GET /reports/download/:token`: redeems a download link (the token is the only credential). */
export function registerReportRoutes(router: Router, wiring: ReportsWiring): void {
  router.on('GET', '/reports/download/:token', async ({ req, res, params }) => {
    const actor = actorOf(req)
    let download: Awaited<ReturnType<ReportsWiring['reports']['redeem']>>
    try {
      download = await wiring.reports.redeem(params.token ?? '', {
        ip: unmappedIp(actor.ip),
        userAgent: actor.userAgent,
      })
    } catch (error) {
      if (!isOpskitError(error)) throw error
      const refused = REFUSED[error.code]
      if (refused) throw new HttpError(refused[0], error.code, refused[1])
      throw error
    }
    res.writeHead(200, {
      'content-type': download.contentType,
      'cache-control': 'no-store',
      ...download.headers,
    })
    await pipeline(download.stream, res)
  })
}
