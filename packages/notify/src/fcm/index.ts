/**
 * `@opskit/notify/fcm`: push through firebase-admin messaging (optional peer `firebase-admin`).
 * @packageDocumentation
 */
export type { FcmBatchResponse, FcmMessage, FcmMessagingLike } from './fcm-messaging.js'
export { createFcmProvider, FCM_BATCH_SIZE, type FcmProviderOptions } from './fcm-provider.js'
