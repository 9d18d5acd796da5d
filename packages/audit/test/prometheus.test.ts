import { Registry } from 'prom-client'
import { expect, it } from 'vitest'
import { createAuditLog } from '../src/index.js'
import { createPrometheusAuditMetrics } from '../src/prometheus/index.js'
import { createMemoryAuditStore } from '../src/testing/index.js'

it('counts committed events, batch sizes and verify results on the host registry', async () => {
  const registry = new Registry()
  const audit = await createAuditLog({
    store: createMemoryAuditStore(),
    auditReads: false,
    metrics: createPrometheusAuditMetrics({ registry }),
  })
  await Promise.all([1, 2, 3].map((i) => audit.logLogin({ actor: { id: `u${i}` } })))
  await audit.verify()
  const text = await registry.metrics()
  expect(text).toContain('opskit_audit_events_total{result="committed"} 3')
  expect(text).toContain('opskit_audit_batch_size_count 1')
  expect(text).toContain('opskit_audit_verify_checked_total 3')
  expect(text).toContain('opskit_audit_verify_failures_total 0')
  await audit.close()
})
