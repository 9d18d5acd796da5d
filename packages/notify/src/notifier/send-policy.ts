import type { UserPreferences } from '../store/records.js'
import type { Channel } from '../types/channel.js'
import type { ParsedSendInput } from '../validation/message-schema.js'
import { sendAtMs } from './outbox-message.js'
import { quietHoursEnd } from './quiet-hours.js'

/** Which categories are critical: critical sends bypass opt-outs and quiet hours. */
export interface SendPolicy {
  /** Priority `critical`, or a category listed in `defaults.criticalCategories`. */
  isCritical(input: ParsedSendInput): boolean
  /** Whether the user opted out of this channel, or of the send's category on it (never for critical sends). */
  optedOut(channel: Channel, input: ParsedSendInput, preferences: UserPreferences | undefined): boolean
  /** When a send waits for: its `sendAt` in the future, else the end of the user's quiet hours; undefined to send now. */
  deferUntil(
    input: ParsedSendInput,
    preferences: UserPreferences | undefined,
    now: number,
  ): number | undefined
}

/** The send policy of a notifier with these critical categories. */
export function createSendPolicy(criticalCategories: readonly string[]): SendPolicy {
  const critical = new Set(criticalCategories)
  const isCritical = (input: ParsedSendInput) =>
    input.priority === 'critical' || (input.category !== undefined && critical.has(input.category))
  return {
    isCritical,
    optedOut(channel, input, preferences) {
      if (!preferences || isCritical(input)) return false
      if (preferences.channels?.[channel] === false) return true
      const category = input.category === undefined ? undefined : preferences.categories?.[input.category]
      if (category === false) return true
      return typeof category === 'object' && category[channel] === false
    },
    deferUntil(input, preferences, now) {
      const sendAt = sendAtMs(input.sendAt)
      if (sendAt !== undefined && sendAt > now) return sendAt
      if (isCritical(input) || !preferences?.quietHours) return undefined
      return quietHoursEnd(preferences.quietHours, preferences.timeZone ?? 'UTC', now)
    },
  }
}
