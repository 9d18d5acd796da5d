import type { HostDatabase, Logger } from '@opskit/core'
import { createFilesystemStorage, createReports, type Reports } from '@opskit/reports'
import { createPdfRenderer } from '@opskit/reports/pdf'
import { createXlsxRenderer } from '@opskit/reports/xlsx'
import { dailySalesReport } from '../reports/daily-sales.js'
import type { AuditWiring } from './audit.js'

/** @opskit/reports in the ticketing service: the daily sales report in CSV, XLSX and PDF. */
export interface ReportsWiring {
  reports: Reports
  close(): Promise<void>
}

/** Wires @opskit/reports; downloads are audited through @opskit/audit (host-side wiring). */
export async function wireReports(options: {
  db: HostDatabase
  directory: string
  downloadBaseUrl: string
  audit: AuditWiring
  logger: Logger
}): Promise<ReportsWiring> {
  const reports = await createReports({
    db: options.db,
    storage: createFilesystemStorage({ directory: options.directory }),
    timeZone: 'UTC',
    locale: 'en-GB',
    renderers: [createXlsxRenderer(), createPdfRenderer()],
    downloadBaseUrl: options.downloadBaseUrl,
    // reports may not import audit (DESIGN.md); the host connects them.
    audit: { log: (event) => options.audit.log.log(event) },
    logger: options.logger,
  })
  reports.register(dailySalesReport)
  return { reports, close: () => reports.close() }
}
