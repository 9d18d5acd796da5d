import { forEachDialect } from '@opskit/test-support'
import { expect, it } from 'vitest'
import { createAuditLog } from '../src/index.js'

forEachDialect('audit concurrent writers', ({ dialect, openAnother }) => {
  // On SQLite, writers are separate processes (crash.test.ts): better-sqlite3 waits for locks synchronously.
  it.skipIf(dialect !== 'postgres')(
    '4 hosts write one chain and a tenant chain each: gap-free, no forks, verify passes',
    async () => {
      const hosts = await Promise.all(
        [0, 1, 2, 3].map(async () =>
          createAuditLog({ db: openAnother(), tablePrefix: 'conc_', auditReads: false }),
        ),
      )
      const perHost = 1_000
      const acked = await Promise.all(
        hosts.map(async (audit, host) => {
          const seqs: Array<[string, number]> = []
          for (let wave = 0; wave < perHost / 50; wave++) {
            const results = await Promise.all(
              Array.from({ length: 50 }, (_, i) =>
                audit.logDataAccess({
                  actor: { id: `h${host}`, email: `h${host}@example.com` },
                  target: { type: 'doc', id: `${wave}-${i}` },
                  ...(i % 5 === 0 ? { tenantId: 'acme' } : {}),
                }),
              ),
            )
            for (const result of results) seqs.push([result.chainId, result.seq])
          }
          return seqs
        }),
      )
      const byChain = new Map<string, number[]>()
      for (const [chainId, seq] of acked.flat()) byChain.set(chainId, [...(byChain.get(chainId) ?? []), seq])
      const main = (byChain.get('') ?? []).sort((a, b) => a - b)
      const acme = (byChain.get('acme') ?? []).sort((a, b) => a - b)
      expect(main).toEqual(Array.from({ length: main.length }, (_, i) => i + 1))
      expect(acme).toEqual(Array.from({ length: acme.length }, (_, i) => i + 1))
      expect(main.length + acme.length).toBe(4 * perHost)
      const result = await (hosts[0] as (typeof hosts)[number]).verify()
      expect(result).toMatchObject({ ok: true, checked: 4 * perHost })
      for (const audit of hosts) await audit.close()
    },
  )
})
