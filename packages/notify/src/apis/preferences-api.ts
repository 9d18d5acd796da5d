import { parseInput } from '@opskit/core'
import type { PreferencesApi } from '../notifier/notifier-types.js'
import type { UserPreferences } from '../store/records.js'
import { preferencesSchema, userIdSchema } from '../validation/record-schemas.js'
import type { ApiContext } from './api-context.js'

/** `notifier.preferences`: validated reads and writes of a user's opt-outs, quiet hours, time zone and locale, per tenant. */
export function createPreferencesApi({ store, invalid, tenantOf }: ApiContext): PreferencesApi {
  return {
    async get(userId, options) {
      const tenantId = tenantOf(options?.tenantId)
      return (await store.getPreferences(tenantId, parseInput(userIdSchema, userId, invalid))) ?? {}
    },
    async set(userId, preferences, options) {
      const tenantId = tenantOf(options?.tenantId)
      const value = parseInput(preferencesSchema, preferences, invalid) as UserPreferences
      await store.setPreferences(tenantId, parseInput(userIdSchema, userId, invalid), value)
    },
    async update(userId, changes, options) {
      const tenantId = tenantOf(options?.tenantId)
      const user = parseInput(userIdSchema, userId, invalid)
      const current = (await store.getPreferences(tenantId, user)) ?? {}
      const merged = parseInput(preferencesSchema, { ...current, ...changes }, invalid) as UserPreferences
      await store.setPreferences(tenantId, user, merged)
      return merged
    },
  }
}
