import { parseInput } from '@opskit/core'
import type { DevicesApi } from '../notifier/notifier-types.js'
import { deviceSchema, userIdSchema } from '../validation/record-schemas.js'
import type { ApiContext } from './api-context.js'

/** `notifier.devices`: push device tokens per user, with last-seen times for pruning. */
export function createDevicesApi({ store, clock, invalid }: ApiContext): DevicesApi {
  return {
    async register(device) {
      const value = parseInput(deviceSchema, device, invalid)
      const now = clock.now()
      await store.upsertDevice({ ...value, createdAt: now, lastSeenAt: now })
    },
    list: async (userId) => store.listDevices(parseInput(userIdSchema, userId, invalid)),
    remove: async (token) => (await store.removeDevices([token])) > 0,
    seen: (token) => store.touchDevice(token, clock.now()),
    prune: ({ olderThanMs }) => store.pruneDevices(clock.now() - olderThanMs),
  }
}
