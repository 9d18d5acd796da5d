import type { Delivery } from '../store/records.js'
import type { DeliveryContext, DeliveryRequest } from './delivery-context.js'

/** Delivers an in-app notification: one item in the user's inbox in the store; no provider is involved. */
export async function deliverInbox(context: DeliveryContext, request: DeliveryRequest): Promise<Delivery> {
  const { input, content } = request
  await context.store.addInboxItem({
    id: context.nextId(),
    tenantId: request.tenantId,
    userId: input.userId as string,
    ...(content.title === undefined ? {} : { title: content.title }),
    body: content.text,
    ...(input.category === undefined ? {} : { category: input.category }),
    ...(input.data === undefined ? {} : { data: input.data }),
    createdAt: context.clock.now(),
  })
  return {
    channel: 'in_app',
    provider: 'inbox',
    status: 'sent',
    providerMessageId: request.notificationId,
    attempts: 1,
  }
}
