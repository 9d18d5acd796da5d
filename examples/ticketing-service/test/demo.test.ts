import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { runDemo } from '../src/demo/demo.js'
import { FEATURES } from '../src/wiring/status.js'

describe('the scripted demo', () => {
  const outDir = mkdtempSync(join(tmpdir(), 'opskit-demo-test-'))
  afterAll(() => rmSync(outDir, { recursive: true, force: true }))

  it('runs every wired step successfully and reports the rest as not available yet', async () => {
    const lines: string[] = []
    const outcome = await runDemo({ outDir, spikeMs: 4000, write: (line) => lines.push(line) })
    const failed = outcome.results.filter((r) => r.outcome === 'failed')
    expect(failed).toEqual([])
    expect(outcome.ok).toBe(true)
    const ran = outcome.results.filter((r) => r.outcome === 'ok').map((r) => r.title)
    expect(ran).toEqual(
      expect.arrayContaining([
        expect.stringContaining('scalper bot'),
        expect.stringContaining('latency spike'),
        expect.stringContaining('refunds an order'),
        expect.stringContaining('pending → firing → notified → resolved'),
        expect.stringContaining('chain verifies'),
        expect.stringContaining('redeemed once and refused the second time'),
        expect.stringContaining('emails received by the SMTP server'),
        expect.stringContaining('fraud scorer flags the bot'),
      ]),
    )
    const unavailable = outcome.results.filter((r) => r.outcome === 'not available yet')
    for (const step of unavailable) expect(step.detail).not.toBe('')
    if (Object.values(FEATURES).some((f) => !f.wired)) expect(unavailable.length).toBeGreaterThan(0)
    expect(lines.join('\n')).toContain(`[${'#'.repeat(24)}]`)
    for (const ext of ['csv', 'xlsx', 'pdf']) {
      expect(readdirSync(outDir).some((f) => f.startsWith('daily-sales-') && f.endsWith(`.${ext}`))).toBe(
        true,
      )
    }
    const summary = JSON.parse(readFileSync(join(outDir, 'summary.json'), 'utf8'))
    expect(summary.ok).toBe(true)
  })
})
