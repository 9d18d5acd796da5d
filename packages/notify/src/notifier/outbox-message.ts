import type { OutboxRecord } from '../store/records.js'
import type { ParsedSendInput } from '../validation/message-schema.js'

/** A `sendAt` as epoch milliseconds. */
export function sendAtMs(value: ParsedSendInput['sendAt']): number | undefined {
  if (value === undefined) return undefined
  if (value instanceof Date) return value.getTime()
  if (typeof value === 'number') return value
  return Date.parse(value)
}

/** A JSON-safe copy of a parsed message, for the outbox (attachment bytes as base64). */
function serialise(input: ParsedSendInput, idempotencyKey: string): Record<string, unknown> {
  const { sendAt: _sendAt, tenantId: _tenantId, ...rest } = input
  return {
    ...rest,
    idempotencyKey,
    ...(input.attachments
      ? {
          attachments: input.attachments.map((attachment) => ({
            ...attachment,
            ...(typeof attachment.content === 'string'
              ? {}
              : { content: Buffer.from(attachment.content).toString('base64'), encoding: 'base64' as const }),
          })),
        }
      : {}),
  }
}

/**
 * A pending outbox row that sends `input` in `tenantId` under `idempotencyKey` from `availableAt`
 * on; the dispatcher sends it in the row's tenant (the message itself carries none).
 */
export function outboxRow(
  input: ParsedSendInput,
  row: { id: string; tenantId: string; idempotencyKey: string; availableAt: number; createdAt: number },
): OutboxRecord {
  return {
    id: row.id,
    tenantId: row.tenantId,
    message: serialise(input, row.idempotencyKey),
    idempotencyKey: row.idempotencyKey,
    state: 'pending',
    attempts: 0,
    availableAt: row.availableAt,
    createdAt: row.createdAt,
  }
}
