/** A client address without the `::ffff:` prefix node:http reports for IPv4 clients on a dual-stack socket. */
export function unmappedIp(ip: string): string {
  return ip.startsWith('::ffff:') ? ip.slice(7) : ip
}

/** A client address as the audit trail records it: {@link unmappedIp}, or `undefined` when it is unknown. */
export function auditIp(ip: string): string | undefined {
  const plain = unmappedIp(ip)
  return plain === 'unknown' ? undefined : plain
}
