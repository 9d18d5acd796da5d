import { receiptStage } from './receipt-stage.js'
import { type Delivery, type DeliveryReceipt, MAX_RECEIPT_HISTORY, type ReceiptRecord } from './records.js'

/** Whether `incoming` reports a later state of the message than the receipt already recorded. */
function supersedes(recorded: ReceiptRecord, incoming: ReceiptRecord): boolean {
  if (recorded.occurredAt !== undefined && incoming.occurredAt !== undefined) {
    if (incoming.occurredAt !== recorded.occurredAt) return incoming.occurredAt > recorded.occurredAt
  }
  // Without two event times (Twilio callbacks carry none) or on a tie, a report never moves a
  // delivery back to an earlier stage: a late `sent` must not overwrite `delivered`.
  return receiptStage(incoming.status) >= receiptStage(recorded.status)
}

const sameReport = (a: ReceiptRecord, b: ReceiptRecord) =>
  a.status === b.status && a.occurredAt === b.occurredAt && a.errorCode === b.errorCode

/**
 * `history` with `entry` in event order (a provider's retried webhook adds nothing), bounded by
 * {@link MAX_RECEIPT_HISTORY}; `undefined` when `entry` is already there.
 */
function withReport(history: readonly ReceiptRecord[], entry: ReceiptRecord): ReceiptRecord[] | undefined {
  if (history.some((recorded) => sameReport(recorded, entry))) return undefined
  const when = (report: ReceiptRecord) => report.occurredAt ?? report.at
  // A stable sort: reports without event times stay in arrival order.
  const next = [...history, entry].sort((a, b) => when(a) - when(b))
  if (next.length > MAX_RECEIPT_HISTORY)
    next.splice(MAX_RECEIPT_HISTORY - 1, next.length - MAX_RECEIPT_HISTORY)
  return next
}

/**
 * The deliveries with a receipt applied to the one it concerns: `undefined` when no delivery has
 * that provider message id, the same array when the report was already recorded. A report older
 * than the latest one joins the history without replacing `receipt`.
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
  const report: ReceiptRecord = {
    status: receipt.status,
    at: now,
    ...(receipt.occurredAt !== undefined ? { occurredAt: receipt.occurredAt } : {}),
    ...(receipt.errorCode ? { errorCode: receipt.errorCode } : {}),
  }
  // Deliveries recorded before the history existed start it from their latest report.
  const receipts = withReport(current.receipts ?? (current.receipt ? [current.receipt] : []), report)
  if (!receipts) return deliveries
  const updated: Delivery =
    current.receipt && !supersedes(current.receipt, report)
      ? { ...current, receipts }
      : { ...current, receipt: report, receipts, ...(receipt.cost ? { cost: receipt.cost } : {}) }
  return deliveries.map((delivery, i) => (i === index ? updated : delivery))
}
