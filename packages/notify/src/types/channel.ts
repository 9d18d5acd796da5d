/** The channels a notification can go out on. */
export type Channel = 'email' | 'sms' | 'push' | 'in_app' | 'webhook'

/** Every {@link Channel}, in the order deliveries are reported. */
export const CHANNELS: readonly Channel[] = ['email', 'sms', 'push', 'in_app', 'webhook']

/** How urgent a notification is; `critical` bypasses quiet hours. */
export type Priority = 'low' | 'normal' | 'high' | 'critical'
