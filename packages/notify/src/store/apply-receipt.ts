import { receiptStage } from './receipt-stage.js'
import type { Delivery, DeliveryReceipt } from './records.js'

/** Whether `incoming` reports a later state of the message than the receipt already recorded. */
function supersedes(recorded: NonNullable<Delivery['receipt']>, incoming: DeliveryReceipt): boolean {
  if (recorded.occurredAt !== undefined && incoming.occurredAt !== undefined) {
    if (incoming.occurredAt !== recorded.occurredAt) return incoming.occurredAt > recorded.occurredAt
  }
  // Without two event times (Twilio callbacks carry none) or on a tie, a report never moves a
  // delivery back to an earlier stage: a late `sent` must not overwrite `delivered`.
  return receiptStage(incoming.status) >= receiptStage(recorded.status)
}

/**
 * The deliveries with a receipt applied to the one it concerns: `undefined` when no delivery has
 * that provider message id, the same array when the receipt is older than the one recorded.
 */
export function applyReceipt(
  deliveries: Delivery[],
  receipt: DeliveryReceipt,
  now: number,
): Delivery[] | undefined {
  const index = deliveries.findIndex(
    (delivery) =>
      delivery.provider === receipt.provider && delivery.providerMessageId === receipt.providerMessageId,
  )
  if (index < 0) return undefined
  const current = deliveries[index] as Delivery
  if (current.receipt && !supersedes(current.receipt, receipt)) return deliveries
  const updated: Delivery = {
    ...current,
    receipt: {
      status: receipt.status,
      at: now,
      ...(receipt.occurredAt !== undefined ? { occurredAt: receipt.occurredAt } : {}),
      ...(receipt.errorCode ? { errorCode: receipt.errorCode } : {}),
    },
    ...(receipt.cost ? { cost: receipt.cost } : {}),
  }
  return deliveries.map((delivery, i) => (i === index ? updated : delivery))
}
