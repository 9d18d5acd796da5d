/**
 * The part of firebase-admin's `Messaging` the FCM provider calls (a structural subset, so tests
 * and hosts can pass their own). `getMessaging(app)` from `firebase-admin/messaging` satisfies it.
 */
export interface FcmMessagingLike {
  sendEach(messages: FcmMessage[], dryRun?: boolean): Promise<FcmBatchResponse>
}

/** A firebase-admin `TokenMessage`, as far as the provider builds it. */
export interface FcmMessage {
  token: string
  notification?: { title?: string; body?: string }
  data?: Record<string, string>
  android?: {
    priority?: 'high' | 'normal'
    ttl?: number
    collapseKey?: string
    notification?: { sound?: string }
  }
  apns?: {
    headers?: Record<string, string>
    payload?: { aps: { badge?: number; sound?: string; 'content-available'?: number } }
  }
}

/** firebase-admin's `BatchResponse`: one response per message, index-aligned with the input. */
export interface FcmBatchResponse {
  successCount: number
  failureCount: number
  responses: Array<{ success: boolean; messageId?: string; error?: { code: string; message: string } }>
}
