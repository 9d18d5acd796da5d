import { isOpskitError } from '@opskit/core'
import type { TenantScope } from '@opskit/core/internal'
import { NotifyError } from '../errors/notify-error.js'
import type { ParsedSendInput } from '../validation/message-schema.js'
import { parseSendInput } from '../validation/parse-send-input.js'
import type { SendResult } from './notifier-types.js'
import type { PreparedSend } from './prepare-send.js'
import type { SendParsed } from './send-pipeline.js'

/** What a batch send needs: the tenant scope, preparation (to validate every item first) and the pipeline. */
export interface SendBatchContext {
  tenantOf: TenantScope
  prepare: (input: ParsedSendInput, tenantId: string) => Promise<PreparedSend>
  send: SendParsed
}

/** Runs `check` on one batch item; its `OpskitError` is rethrown naming the item's index. */
async function checkItem<T>(index: number, check: () => T | Promise<T>): Promise<T> {
  try {
    return await check()
  } catch (error) {
    if (isOpskitError(error)) {
      throw new NotifyError(error.code as NotifyError['code'], `batch item ${index}: ${error.message}`, {
        details: { index, ...(error.details ?? {}) },
      })
    }
    throw error
  }
}

/**
 * Validates and prepares every input first (nothing is sent if one is invalid: the error names
 * its index), then sends them with `concurrency` sends in flight, results in input order.
 */
export async function sendBatch(
  context: SendBatchContext,
  inputs: readonly unknown[],
  concurrency: number,
): Promise<SendResult[]> {
  const parsed: ParsedSendInput[] = []
  const tenants: string[] = []
  for (const [index, input] of inputs.entries()) {
    const item = await checkItem(index, () => parseSendInput(input))
    parsed.push(item)
    tenants.push(await checkItem(index, () => context.tenantOf(item.tenantId)))
  }
  for (const [index, input] of parsed.entries())
    await checkItem(index, () => context.prepare(input, tenants[index] as string))
  const results: SendResult[] = new Array(parsed.length)
  let next = 0
  const worker = async () => {
    while (next < parsed.length) {
      const index = next++
      results[index] = (
        await context.send(parsed[index] as ParsedSendInput, false, tenants[index] as string)
      ).result
    }
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, parsed.length) }, worker))
  return results
}
