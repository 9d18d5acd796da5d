import { createPostgresDatabase } from '@opskit/test-support'
import { expect, it } from 'vitest'
import { auditOnPostgres } from '../src/audit-on-postgres.js'

it('writes concurrently, verifies with a signed checkpoint and refuses an UPDATE on PostgreSQL', async () => {
  const run = await auditOnPostgres(await createPostgresDatabase(), 150)
  expect(run.verify.ok).toBe(true)
  expect(run.verify.checked).toBeGreaterThanOrEqual(150)
  expect(run.checkpoints.length).toBeGreaterThan(0)
  expect(run.tamperRefused).not.toBe('')
})
