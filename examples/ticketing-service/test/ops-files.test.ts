import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { parseExpr } from '@opskit/monitor'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ALERT_RULES } from '../src/wiring/alert-rules.js'
import { METRICS, startTestService, type TestService } from './helpers.js'

const OPS = join(import.meta.dirname, '..', 'ops')

/** The rules of a Prometheus rules file, read line by line (the file is flat on purpose). */
function prometheusRules(text: string) {
  const rules: Array<{ alert: string; expr: string; for?: string; labels: Record<string, string> }> = []
  let section = ''
  for (const line of text.split('\n')) {
    const alert = /^\s*- alert: (\S+)/.exec(line)
    if (alert) {
      rules.push({ alert: alert[1] as string, expr: '', labels: {} })
      continue
    }
    const rule = rules[rules.length - 1]
    if (!rule) continue
    const field = /^\s{8}(expr|for|labels|annotations):\s*(.*)$/.exec(line)
    if (field) {
      section = field[1] as string
      if (section === 'expr') rule.expr = field[2] as string
      if (section === 'for') rule.for = field[2] as string
      continue
    }
    const label = /^\s{10}(\w+): (.*)$/.exec(line)
    if (label && section === 'labels') rule.labels[label[1] as string] = label[2] as string
  }
  return rules
}

describe('ops/ files', () => {
  let t: TestService
  beforeAll(async () => {
    t = await startTestService()
  })
  afterAll(async () => {
    await t?.stop()
  })

  it('the Prometheus rules file holds the same rules as the opskit rules', () => {
    const rules = prometheusRules(readFileSync(join(OPS, 'prometheus-rules.yml'), 'utf8'))
    expect(rules.map((r) => r.alert)).toEqual(ALERT_RULES.map((r) => r.name))
    for (const rule of ALERT_RULES) {
      const twin = rules.find((r) => r.alert === rule.name)!
      expect(twin.expr).toBe(rule.expr)
      expect(twin.for).toBe(rule.for)
      expect(twin.labels).toEqual(rule.labels)
      expect(() => parseExpr(twin.expr)).not.toThrow()
    }
  })

  it('every metric the Grafana dashboard queries is exported by the service', async () => {
    const dashboard = JSON.parse(readFileSync(join(OPS, 'grafana-dashboard.json'), 'utf8')) as {
      panels: Array<{ title: string; targets: Array<{ expr: string }> }>
    }
    await t.call('GET', '/api/events')
    const auth = Buffer.from(`${METRICS.username}:${METRICS.password}`).toString('base64')
    const exposition = await (
      await fetch(`${t.service.url}/metrics`, { headers: { authorization: `Basic ${auth}` } })
    ).text()
    const exported = new Set([...exposition.matchAll(/^# TYPE (\S+) (\w+)/gm)].map((m) => m[1]))
    const names = dashboard.panels.flatMap((p) =>
      p.targets.flatMap((target) =>
        [...target.expr.matchAll(/\b(http_server_\w+|ticketing_\w+)\b/g)].map((m) => m[1]),
      ),
    )
    expect(names.length).toBeGreaterThan(10)
    for (const name of names) {
      const family = (name as string).replace(/_(bucket|count|sum)$/, '')
      expect(exported, `${name} is not exported`).toContain(family)
    }
  })
})
