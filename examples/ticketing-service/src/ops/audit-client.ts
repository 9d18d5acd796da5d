import { auditIp } from '../http/client-ip.js'

/** A request's address and user agent as audit actor fields (an unknown address is left out). */
export function auditClient(actor: { ip: string; userAgent: string }): { ip?: string; userAgent?: string } {
  const ip = auditIp(actor.ip)
  return { ...(ip !== undefined ? { ip } : {}), ...(actor.userAgent ? { userAgent: actor.userAgent } : {}) }
}
