import type { DevicePlatform, PushProvider, PushTokenKind } from '../providers/push-provider.js'

/** A device a push goes to: its token, its platform when registered, and its token kind. */
export interface PushTarget {
  token: string
  /** Unknown for tokens given in `to.deviceTokens`: then only the kind decides. */
  platform?: DevicePlatform
  kind: PushTokenKind
}

/** The providers that serve some devices, in configured order, and those devices' tokens. */
export interface PushRoute {
  chain: PushProvider[]
  tokens: string[]
}

/** APNs device tokens are hex (32 bytes today; Apple reserves the right to lengthen them). */
const APNS_TOKEN = /^(?:[0-9a-fA-F]{2}){16,100}$/

/**
 * The kind of a push token, from its form: a hex string is a raw APNs device token (`apns`),
 * anything else a Firebase registration token (`fcm`, `<instance id>:APA91b…`), whatever the
 * device's platform — an iOS app that registers through the Firebase SDK has an FCM token.
 */
export function pushTokenKind(token: string): PushTokenKind {
  return APNS_TOKEN.test(token) ? 'apns' : 'fcm'
}

/** Whether a provider delivers to a device: its declared platforms and token kinds (none declared: every device). */
export function servesDevice(provider: PushProvider, target: PushTarget): boolean {
  const platforms = provider.capabilities?.platforms
  const kinds = provider.capabilities?.tokenKinds
  if (platforms && target.platform !== undefined && !platforms.includes(target.platform)) return false
  return !kinds || kinds.includes(target.kind)
}

/**
 * Groups devices by the ordered list of providers that serve them; each group is sent, with
 * failover, along its own chain only. Devices no provider serves are returned apart.
 */
export function routePushTargets(
  targets: readonly PushTarget[],
  providers: readonly PushProvider[],
): { routes: PushRoute[]; unrouted: string[] } {
  const routes = new Map<string, PushRoute>()
  const unrouted: string[] = []
  for (const target of targets) {
    const chain = providers.filter((provider) => servesDevice(provider, target))
    if (chain.length === 0) {
      unrouted.push(target.token)
      continue
    }
    const key = chain.map((provider) => provider.name).join('\u0000')
    const route = routes.get(key)
    if (route) route.tokens.push(target.token)
    else routes.set(key, { chain, tokens: [target.token] })
  }
  return { routes: [...routes.values()], unrouted }
}
