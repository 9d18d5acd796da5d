/**
 * Issue 21: the monitor's in-memory incidents stay bounded. 100,000 incidents go through the
 * incident manager (triggered, notified, resolved); the cache holds the open ones and the newest
 * resolved ones only, and the heap after a full GC does not grow with the count. A control run
 * without the cap shows the same measurement does see linear growth.
 */

import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { noopLogger } from '@opskit/core'
import { createFakeClock } from '@opskit/core/testing'
import { describe, expect, it } from 'vitest'
import type { AggregationGroup } from '../src/alerting/aggregation-group.js'
import { createSilences } from '../src/alerting/silences.js'
import { DEFAULT_RESOLVED_INCIDENT_CACHE } from '../src/incidents/incident-cache.js'
import { createIncidentManager } from '../src/incidents/incident-manager.js'
import type { PostableAlert } from '../src/rules/alert-types.js'

setFlagsFromString('--expose-gc')
const gc = runInNewContext('gc') as () => void

function heapAfterGc(): number {
  for (let i = 0; i < 3; i++) gc()
  return process.memoryUsage().heapUsed
}

/** Runs `count` incidents through a manager; the heap (after GC) at 20 % and at the end. */
function run(count: number, resolvedCacheSize: number) {
  const clock = createFakeClock(Date.UTC(2026, 0, 1))
  let persisted = 0
  const manager = createIncidentManager({
    clock,
    logger: noopLogger,
    externalUrl: '',
    notifyRetries: 0,
    metrics: { notified: () => undefined, silenced: () => undefined, inhibited: () => undefined },
    receivers: () => [],
    silences: createSilences(clock),
    escalation: () => [],
    groups: new Map(),
    onIncident: () => {
      persisted++
    },
    resolvedCacheSize,
  })
  let early = 0
  for (let i = 0; i < count; i++) {
    const group = {
      key: `route:[["host","h${i}"]]`,
      labels: { host: `h${i}` },
      route: { receiver: 'team', groupIntervalMs: 300_000 },
    } as unknown as AggregationGroup
    const alert = {
      fingerprint: `fp${i}`,
      labels: { alertname: 'Down', host: `h${i}` },
    } as unknown as PostableAlert
    const incident = manager.trigger(group, clock.now(), [alert], 'first notification')
    manager.event(incident, { type: 'notified', channel: 'team/slack', reason: 'first notification' })
    manager.autoResolve(incident)
    if (i === count / 5) early = heapAfterGc()
  }
  const late = heapAfterGc()
  const cached = manager.list().length
  manager.close()
  return { growth: late - early, cached, persisted }
}

describe('incident memory over 100k incidents', () => {
  it('the cache keeps the newest resolved incidents only and the heap stays flat', () => {
    const capped = run(100_000, DEFAULT_RESOLVED_INCIDENT_CACHE)
    expect(capped.cached).toBe(DEFAULT_RESOLVED_INCIDENT_CACHE)
    expect(capped.persisted).toBe(300_000)
    // 80,000 more incidents after the early measurement: under 4 MB (~50 bytes each at most)
    expect(capped.growth).toBeLessThan(4 * 1024 * 1024)

    // control: without a cap the same measurement sees every incident kept (~1 KB each)
    const uncapped = run(100_000, 1_000_000)
    expect(uncapped.cached).toBe(100_000)
    expect(uncapped.growth).toBeGreaterThan(20 * 1024 * 1024)
  }, 120_000)
})
