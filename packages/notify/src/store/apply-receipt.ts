import type { Delivery, DeliveryReceipt } from './records.js'

/** The deliveries with a receipt applied to the one it concerns; `undefined` when none matches. */
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
  const updated: Delivery = {
    ...current,
    receipt: {
      status: receipt.status,
      at: now,
      ...(receipt.errorCode ? { errorCode: receipt.errorCode } : {}),
    },
    ...(receipt.cost ? { cost: receipt.cost } : {}),
  }
  return deliveries.map((delivery, i) => (i === index ? updated : delivery))
}
