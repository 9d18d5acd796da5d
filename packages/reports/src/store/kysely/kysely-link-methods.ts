import type { HostDatabase } from '@opskit/core'
import type { RedeemRecord, ReportsStore, TokenRecord } from '../reports-store.js'
import type { ReportsTables } from './migrations.js'
import { type Raw, toRedeem, toToken } from './rows.js'

/** Download tokens (the one-update counter) and redeem records; every query per tenant. */
export function linkMethods(db: HostDatabase, t: ReportsTables) {
  return {
    async insertToken(token: TokenRecord) {
      await db
        .insertInto(t.tokens)
        .values({
          token_hash: token.tokenHash,
          tenant_id: token.tenantId,
          artifact_id: token.artifactId,
          expires_at: token.expiresAt.getTime(),
          max_downloads: token.maxDownloads,
          download_count: token.downloadCount,
          bind_ip: token.bindIp,
          revoked_at: token.revokedAt?.getTime() ?? null,
          last_used_at: null,
          created_at: token.createdAt.getTime(),
          storage_key: token.object?.storageKey ?? null,
          filename: token.object?.filename ?? null,
          content_type: token.object?.contentType ?? null,
        })
        .execute()
    },
    async getToken(tenantId, tokenHash) {
      const row = await db
        .selectFrom(t.tokens)
        .selectAll()
        .where('tenant_id', '=', tenantId)
        .where('token_hash', '=', tokenHash)
        .executeTakeFirst()
      return row ? toToken(row as Raw) : undefined
    },
    async consumeToken(tenantId, tokenHash, now, ip) {
      const result = await db
        .updateTable(t.tokens)
        .set((eb) => ({ download_count: eb('download_count', '+', 1), last_used_at: now.getTime() }))
        .where('tenant_id', '=', tenantId)
        .where('token_hash', '=', tokenHash)
        .where('revoked_at', 'is', null)
        .where('expires_at', '>', now.getTime())
        .where((eb) => eb('download_count', '<', eb.ref('max_downloads')))
        .where((eb) => eb.or([eb('bind_ip', 'is', null), eb('bind_ip', '=', ip ?? '')]))
        .executeTakeFirst()
      return Number(result.numUpdatedRows) === 1
    },
    async revokeToken(tenantId, tokenHash, at) {
      await db
        .updateTable(t.tokens)
        .set({ revoked_at: at.getTime() })
        .where('tenant_id', '=', tenantId)
        .where('token_hash', '=', tokenHash)
        .where('revoked_at', 'is', null)
        .execute()
    },
    async recordRedeem(redeem: RedeemRecord) {
      await db
        .insertInto(t.redeems)
        .values({
          id: redeem.id,
          tenant_id: redeem.tenantId,
          token_hash: redeem.tokenHash,
          artifact_id: redeem.artifactId,
          ip: redeem.ip,
          user_agent: redeem.userAgent,
          outcome: redeem.outcome,
          at: redeem.at.getTime(),
        })
        .execute()
    },
    async listRedeems(tenantId, filter) {
      let query = db.selectFrom(t.redeems).selectAll().where('tenant_id', '=', tenantId)
      if (filter.artifactId) query = query.where('artifact_id', '=', filter.artifactId)
      if (filter.tokenHash) query = query.where('token_hash', '=', filter.tokenHash)
      const rows = await query.orderBy('at').orderBy('id').execute()
      return rows.map((row) => toRedeem(row as Raw))
    },
  } satisfies Partial<ReportsStore>
}
