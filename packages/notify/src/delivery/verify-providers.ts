import type { ProviderHealth } from '../notifier/notifier-types.js'
import type { AnyProvider, ProvidersConfig } from '../providers/index.js'
import type { Channel } from '../types/channel.js'
import { errorSummary } from './provider-chain.js'

/** Checks every provider without sending (`verify()`); one without it is assumed healthy, unchecked. */
export async function verifyProviders(providers: ProvidersConfig): Promise<ProviderHealth[]> {
  const health: ProviderHealth[] = []
  for (const [channel, list] of Object.entries(providers) as Array<[Channel, AnyProvider[]]>) {
    for (const provider of list) {
      if (!provider.verify) {
        health.push({ channel, provider: provider.name, ok: true, checked: false })
        continue
      }
      try {
        await provider.verify()
        health.push({ channel, provider: provider.name, ok: true, checked: true })
      } catch (error) {
        health.push({
          channel,
          provider: provider.name,
          ok: false,
          checked: true,
          error: errorSummary(error),
        })
      }
    }
  }
  return health
}
