import { parseInput } from '@opskit/core'
import type { PreferencesApi } from '../notifier/notifier-types.js'
import type { UserPreferences } from '../store/records.js'
import { preferencesSchema, userIdSchema } from '../validation/record-schemas.js'
import type { ApiContext } from './api-context.js'

/** `notifier.preferences`: validated reads and writes of a user's opt-outs, quiet hours, time zone and locale. */
export function createPreferencesApi({ store, invalid }: ApiContext): PreferencesApi {
  return {
    async get(userId) {
      return (await store.getPreferences(parseInput(userIdSchema, userId, invalid))) ?? {}
    },
    async set(userId, preferences) {
      const value = parseInput(preferencesSchema, preferences, invalid) as UserPreferences
      await store.setPreferences(parseInput(userIdSchema, userId, invalid), value)
    },
    async update(userId, changes) {
      const current = (await store.getPreferences(parseInput(userIdSchema, userId, invalid))) ?? {}
      const merged = parseInput(preferencesSchema, { ...current, ...changes }, invalid) as UserPreferences
      await store.setPreferences(userId, merged)
      return merged
    },
  }
}
