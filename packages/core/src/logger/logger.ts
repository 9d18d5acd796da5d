/** A log method: `(obj, msg?)` or `(msg)`, as pino has it. */
export interface LogFn {
  (obj: object, msg?: string): void
  (msg: string): void
}

/**
 * The logger opskit writes to. A pino logger satisfies it as it is; pass one from the host so
 * opskit's lines join the host's. The default is {@link noopLogger}.
 */
export interface Logger {
  trace: LogFn
  debug: LogFn
  info: LogFn
  warn: LogFn
  error: LogFn
  /** A logger that adds `bindings` to every line. */
  child(bindings: Record<string, unknown>): Logger
}

const noop: LogFn = () => {}

/** A logger that drops everything: the default when the host gives none. */
export const noopLogger: Logger = {
  trace: noop,
  debug: noop,
  info: noop,
  warn: noop,
  error: noop,
  child: () => noopLogger,
}

/**
 * Field names whose values are secrets. opskit's loggers hide them at any depth (bounded), matched
 * without regard to case, `-` or `_` (so `Authorization`, `x-api-key`, `API_KEY` all match; see
 * `redactSecrets`). The list covers every secret-bearing option of every opskit provider and
 * channel (a test walks the packages' option types against it); error messages never include them.
 */
export const SECRET_FIELD_NAMES = [
  'password',
  'passwordHash',
  'pass',
  'passphrase',
  'secret',
  'secrets',
  'clientSecret',
  'token',
  'accessToken',
  'refreshToken',
  'idToken',
  'apiKey',
  'api_key',
  'x-api-key',
  'authToken',
  'auth',
  'authorization',
  'proxy-authorization',
  'cookie',
  'set-cookie',
  'privateKey',
  'private_key',
  'signingKey',
  'subjectKeyWrappingKey',
  'credential',
  'credentials',
  'webhookUrl',
  'routingKey',
  'routing_key',
  'serviceAccount',
] as const

/**
 * pino `redact.paths` for {@link SECRET_FIELD_NAMES} at depths 1 to 3 and inside request headers,
 * as written (pino paths are case-sensitive): for a host's own pino configuration. Loggers from
 * `createPinoLogger` use `redactSecrets`, which matches any case at any depth.
 */
export function secretRedactPaths(extra: readonly string[] = []): string[] {
  const paths = new Set<string>()
  for (const name of SECRET_FIELD_NAMES) {
    const key = /^[A-Za-z_$][\w$]*$/.test(name) ? name : `["${name}"]`
    const join = (prefix: string) => (key.startsWith('[') ? `${prefix}${key}` : `${prefix}.${key}`)
    paths.add(key.startsWith('[') ? key : name)
    paths.add(join('*'))
    paths.add(join('*.*'))
    paths.add(join('*.headers'))
    paths.add(join('req.headers'))
  }
  for (const path of extra) paths.add(path)
  return [...paths]
}
