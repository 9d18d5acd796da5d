import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { describe, expect, it } from 'vitest'
import { EventHooks } from '../src/alerts/event-hooks.js'
import type { AuditEvent } from '../src/index.js'
import { createMemoryAuditStore } from '../src/testing/index.js'
import { createAuditLog } from './helpers.js'

function failedLogin(actorId: string, at: number): AuditEvent {
  return {
    id: actorId,
    chainId: '',
    seq: 1,
    action: 'user.login',
    category: 'authentication',
    severity: 'warning',
    outcome: 'failure',
    actor: { id: actorId, type: 'user' },
    occurredAt: new Date(at).toISOString(),
    recordedAt: new Date(at).toISOString(),
    prevHash: '',
    hash: '',
  }
}

/** A full collection, so that heap figures count what is retained, not garbage. */
function collectGarbage(): void {
  setFlagsFromString('--expose-gc')
  ;(runInNewContext('gc') as () => void)()
}

const filter = {
  action: 'user.login',
  outcome: 'failure',
  threshold: { count: 5, windowMs: 600_000 },
} as const

describe('onEvent threshold windows are bounded', () => {
  it('1M distinct actors keep at most maxKeys windows and do not grow the heap without bound', () => {
    const hooks = new EventHooks((error) => {
      throw error
    })
    hooks.add(filter, () => {})
    const start = Date.UTC(2026, 0, 1)
    collectGarbage()
    const before = process.memoryUsage().heapUsed
    let peak = 0
    const batch: AuditEvent[] = []
    for (let i = 0; i < 1_000_000; i++) {
      batch.push(failedLogin(`attacker-${i}`, start))
      if (batch.length === 1_000) {
        hooks.emit(batch)
        batch.length = 0
        peak = Math.max(peak, hooks.openWindows)
      }
    }
    expect(peak).toBeLessThanOrEqual(10_000)
    // 1M retained windows take about 500 MB (measured on the unbounded version); 10,000 take a few.
    collectGarbage()
    expect(process.memoryUsage().heapUsed - before).toBeLessThan(40 * 1024 * 1024)
    // Keeps the hooks (and whatever they retain) alive until after the measurement.
    expect(hooks.size).toBe(1)
  }, 120_000)

  it('sweeps expired windows before dropping live ones, and a live actor still reaches its threshold', () => {
    const fired: string[] = []
    const hooks = new EventHooks((error) => {
      throw error
    })
    hooks.add({ ...filter, threshold: { ...filter.threshold, maxKeys: 100 } }, (event) => {
      fired.push(event.actor.id)
    })
    const start = Date.UTC(2026, 0, 1)
    // The real attacker fails 4 times, then 99 throwaway actors come, all long ago.
    for (let i = 0; i < 99; i++) hooks.emit([failedLogin(`old-${i}`, start - 3_600_000)])
    for (let i = 0; i < 4; i++) hooks.emit([failedLogin('mallory', start + i)])
    // New keys push past maxKeys: the expired old-* windows go first, mallory's window stays.
    for (let i = 0; i < 50; i++) hooks.emit([failedLogin(`fresh-${i}`, start + 10)])
    expect(hooks.openWindows).toBeLessThanOrEqual(100)
    hooks.emit([failedLogin('mallory', start + 20)])
    expect(fired).toEqual(['mallory'])
  })

  it('onEvent refuses a maxKeys that is not a positive integer', async () => {
    const audit = await createAuditLog({ store: createMemoryAuditStore(), auditReads: false })
    expect(() => audit.onEvent({ threshold: { count: 2, windowMs: 1000, maxKeys: 0 } }, () => {})).toThrow(
      /maxKeys/,
    )
    await audit.close()
  })
})
