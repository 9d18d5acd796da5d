import { parseInput } from '@opskit/core'
import type { DevicesApi } from '../notifier/notifier-types.js'
import { deviceSchema, userIdSchema } from '../validation/record-schemas.js'
import type { ApiContext } from './api-context.js'

/** `notifier.devices`: push device tokens per user and tenant, with last-seen times for retention. */
export function createDevicesApi({ store, clock, invalid, tenantOf }: ApiContext): DevicesApi {
  return {
    async register({ tenantId, ...device }) {
      const tenant = tenantOf(tenantId)
      const value = parseInput(deviceSchema, device, invalid)
      const now = clock.now()
      await store.upsertDevice({ ...value, tenantId: tenant, createdAt: now, lastSeenAt: now })
    },
    list: async (userId, options) =>
      store.listDevices(tenantOf(options?.tenantId), parseInput(userIdSchema, userId, invalid)),
    remove: async (token, options) => (await store.removeDevices(tenantOf(options?.tenantId), [token])) > 0,
    seen: async (token, options) => store.touchDevice(tenantOf(options?.tenantId), token, clock.now()),
  }
}
