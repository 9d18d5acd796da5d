import type { Readable } from 'node:stream'
import { type Clock, parseInput, sha256Hex, uuidv7 } from '@opskit/core'
import { NO_TENANT, type TenantScope } from '@opskit/core/internal'
import { ReportsError } from '../errors/reports-error.js'
import type {
  Download,
  DownloadLink,
  DownloadLinkOptions,
  RedeemClient,
  StoredObjectTarget,
  TenantOption,
} from '../reports-types.js'
import { ARTIFACT_KEY_PREFIX } from '../storage/artifact-keys.js'
import type { StorageAdapter } from '../storage/storage-adapter.js'
import type { LinkedObject, RedeemRecord, ReportsStore, TokenRecord } from '../store/reports-store.js'
import { invalidParams, linkOptionsSchema, objectTargetSchema } from '../validation/reports-schemas.js'
import type { ReportAuditEvent } from './hooks.js'
import { generateToken, hashToken, isWellFormedToken } from './tokens.js'

/** What the download links need from the reports service. */
export interface DownloadLinksContext {
  store: ReportsStore
  storage: StorageAdapter
  clock: Clock
  /** Base of download URLs, without a trailing slash; `{tenantId}` in it is replaced by the link's tenant. */
  baseUrl: string
  /** Resolves a call's `tenantId` under the service's `tenantMode`. */
  tenantOf: TenantScope
  /** Logs an audit event (never throws). */
  audit(event: ReportAuditEvent): Promise<void>
  /** Throws `REPORTS_CLOSED` once the service is closed. */
  assertOpen(): void
}

/**
 * `Content-Disposition: attachment` with an ASCII fallback name and the exact name as RFC 5987
 * `filename*`, so a host-supplied name can neither break the header nor lose its characters.
 */
export function attachmentDisposition(filename: string): string {
  const fallback = filename.replace(/[^\x20-\x7e]|["\\%]/g, '_')
  const exact = encodeURIComponent(filename).replace(
    /['()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  )
  return `attachment; filename="${fallback}"; filename*=UTF-8''${exact}`
}

/** The id of a stored object in tokens, redeems and audit: derived from its key, fits 64 characters. */
function objectId(storageKey: string): string {
  return `object-${sha256Hex(storageKey).slice(0, 32)}`
}

type RefusalCode =
  | 'REPORTS_TOKEN_INVALID'
  | 'REPORTS_TOKEN_EXPIRED'
  | 'REPORTS_TOKEN_EXHAUSTED'
  | 'REPORTS_TOKEN_IP_MISMATCH'
  | 'REPORTS_ARTIFACT_NOT_FOUND'

/** The audit target of a link: the stored object, or the report artifact. */
function targetOf(artifactId: string | null, object: LinkedObject | undefined) {
  return object
    ? { type: 'stored_object' as const, id: object.storageKey, name: object.filename }
    : { type: 'report_artifact' as const, id: artifactId ?? 'unknown' }
}

/** Who tried to redeem which token, and when. */
interface RedeemAttempt {
  tenantId: string
  tokenHash: string
  ip: string | null
  userAgent: string | null
  at: Date
}

/** Records a redeem attempt with its outcome (`ok` or why it was refused) and audits it. */
async function recordAttempt(
  context: DownloadLinksContext,
  attempt: RedeemAttempt,
  outcome: string,
  stored: TokenRecord | undefined,
): Promise<void> {
  const { ip, userAgent } = attempt
  const entry: RedeemRecord = { id: uuidv7(), ...attempt, artifactId: stored?.artifactId ?? null, outcome }
  await context.store.recordRedeem(entry)
  await context.audit({
    action: outcome === 'ok' ? 'report.download' : 'report.download.refused',
    category: 'export',
    severity: outcome === 'ok' ? 'info' : 'warning',
    outcome: outcome === 'ok' ? 'success' : 'failure',
    actor: { id: ip ?? 'anonymous', type: 'user', ...(ip && { ip }), ...(userAgent && { userAgent }) },
    target: targetOf(stored?.artifactId ?? null, stored?.object),
    ...(attempt.tenantId !== NO_TENANT && { tenantId: attempt.tenantId }),
    metadata: { reason: outcome },
  })
}

/**
 * What a link points at: a finished run of the tenant (by id), or a stored object the host put in
 * the storage adapter (never a report artifact by its key, which would skip the tenant check).
 */
async function resolveTarget(
  { store, storage }: DownloadLinksContext,
  tenantId: string,
  target: string | StoredObjectTarget,
) {
  if (typeof target !== 'string') {
    const object = parseInput(objectTargetSchema, target, invalidParams)
    // A report artifact is linked by its run id (checked against the tenant), never by its key.
    if (
      object.storageKey.startsWith(ARTIFACT_KEY_PREFIX) ||
      (await store.storageKeysInUse([object.storageKey])).size > 0
    )
      throw invalidParams('storageKey: report artifacts are linked by their run id', [
        { path: ['storageKey'], message: 'names a report artifact' },
      ])
    if (!(await storage.exists(object.storageKey)))
      throw new ReportsError('REPORTS_ARTIFACT_NOT_FOUND', `no stored object "${object.storageKey}"`)
    return { artifactId: objectId(object.storageKey), object, name: object.filename }
  }
  const run = await store.getRun(tenantId, target)
  if (run?.status !== 'succeeded')
    throw new ReportsError('REPORTS_ARTIFACT_NOT_FOUND', `no finished artifact "${target}"`)
  return { artifactId: target, object: undefined, name: run.filename }
}

/** The file a token opens: its stored object, or its report run's artifact. */
async function fileOf(
  store: DownloadLinksContext['store'],
  stored: TokenRecord,
): Promise<LinkedObject | undefined> {
  if (stored.object) return stored.object
  const run = await store.getRun(stored.tenantId, stored.artifactId)
  if (run?.status !== 'succeeded' || !run.storageKey) return undefined
  return { storageKey: run.storageKey, filename: run.filename, contentType: run.contentType }
}

/** The download of a redeemed token: the file's stream with attachment headers that disable caching and sniffing. */
function downloadOf(stream: Readable, file: LinkedObject, stored: TokenRecord): Download {
  return {
    stream,
    filename: file.filename,
    contentType: file.contentType,
    artifactId: stored.artifactId,
    headers: {
      'content-type': file.contentType,
      'content-disposition': attachmentDisposition(file.filename),
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
    },
  }
}

/**
 * Download links for report artifacts and for any object the storage adapter holds, with one
 * mechanism for both: 256-bit tokens stored as SHA-256, expiry, a download limit counted by one
 * conditional update (race-safe across processes), optional IP binding, every attempt recorded
 * and audited.
 */
export function createDownloadLinks(context: DownloadLinksContext) {
  const { store, storage, clock } = context

  /** A link for the (resolved) tenant: scheduled deliveries use their schedule's tenant. */
  async function createFor(
    tenantId: string,
    target: string | StoredObjectTarget,
    options: DownloadLinkOptions = {},
  ): Promise<DownloadLink> {
    context.assertOpen()
    const parsed = parseInput(linkOptionsSchema, options, invalidParams)
    const { artifactId, object, name } = await resolveTarget(context, tenantId, target)
    const token = generateToken()
    const now = clock.now()
    const expiresAt = new Date(now + parsed.expiresInMs)
    await store.insertToken({
      tokenHash: hashToken(token),
      tenantId,
      artifactId,
      ...(object && { object }),
      expiresAt,
      maxDownloads: parsed.maxDownloads,
      downloadCount: 0,
      bindIp: parsed.bindIp ?? null,
      revokedAt: null,
      createdAt: new Date(now),
    })
    await context.audit({
      action: 'report.link.created',
      category: 'export',
      severity: 'info',
      outcome: 'success',
      actor: { id: 'reports', type: 'service' },
      target: { ...targetOf(artifactId, object), name },
      ...(tenantId !== NO_TENANT && { tenantId }),
      metadata: {
        expiresAt: expiresAt.toISOString(),
        maxDownloads: parsed.maxDownloads,
        bound: !!parsed.bindIp,
      },
    })
    const base = context.baseUrl.replaceAll('{tenantId}', encodeURIComponent(tenantId))
    return { token, url: `${base}/${token}`, expiresAt, artifactId }
  }

  async function create(
    target: string | StoredObjectTarget,
    options: DownloadLinkOptions = {},
  ): Promise<DownloadLink> {
    context.assertOpen()
    return createFor(context.tenantOf(options.tenantId), target, options)
  }

  async function redeem(token: string, client: RedeemClient = {}): Promise<Download> {
    context.assertOpen()
    const tenantId = context.tenantOf(client.tenantId)
    const now = new Date(clock.now())
    const ip = client.ip ?? null
    const tokenHash = hashToken(String(token))
    const attempt: RedeemAttempt = { tenantId, tokenHash, ip, userAgent: client.userAgent ?? null, at: now }
    const record = (outcome: string, stored: TokenRecord | undefined) =>
      recordAttempt(context, attempt, outcome, stored)
    const refuse = async (outcome: string, code: RefusalCode, stored?: TokenRecord): Promise<never> => {
      await record(outcome, stored)
      throw new ReportsError(code, `download refused: ${outcome.replace('_', ' ')}`, {
        details: { reason: outcome },
      })
    }
    if (!isWellFormedToken(String(token))) return refuse('malformed', 'REPORTS_TOKEN_INVALID')
    if (await store.consumeToken(tenantId, tokenHash, now, ip)) {
      const stored = await store.getToken(tenantId, tokenHash)
      if (!stored) return refuse('unknown', 'REPORTS_TOKEN_INVALID')
      // A run removed (or being removed) by retention: refused like a deleted object.
      const file = await fileOf(store, stored)
      if (!file) return refuse('missing', 'REPORTS_ARTIFACT_NOT_FOUND', stored)
      let stream: Readable
      try {
        stream = await storage.read(file.storageKey)
      } catch {
        return refuse('missing', 'REPORTS_ARTIFACT_NOT_FOUND', stored)
      }
      await record('ok', stored)
      return downloadOf(stream, file, stored)
    }
    // Another tenant's token is not found here: refused exactly like an unknown one.
    const stored = await store.getToken(tenantId, tokenHash)
    if (!stored) return refuse('unknown', 'REPORTS_TOKEN_INVALID')
    if (stored.revokedAt) return refuse('revoked', 'REPORTS_TOKEN_INVALID', stored)
    if (stored.expiresAt.getTime() <= now.getTime()) return refuse('expired', 'REPORTS_TOKEN_EXPIRED', stored)
    if (stored.downloadCount >= stored.maxDownloads)
      return refuse('exhausted', 'REPORTS_TOKEN_EXHAUSTED', stored)
    return refuse('ip_mismatch', 'REPORTS_TOKEN_IP_MISMATCH', stored)
  }

  async function revoke(token: string, options: TenantOption = {}): Promise<void> {
    context.assertOpen()
    const tenantId = context.tenantOf(options.tenantId)
    await store.revokeToken(tenantId, hashToken(String(token)), new Date(clock.now()))
  }

  return { create, createFor, redeem, revoke }
}
