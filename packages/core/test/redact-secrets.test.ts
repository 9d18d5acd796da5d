import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import ts from 'typescript'
import { describe, expect, it } from 'vitest'
import { createSecretRedactor, redactSecrets, SECRET_FIELD_NAMES } from '../src/index.js'
import { normaliseFieldName } from '../src/internal/index.js'
import { createPinoLogger } from '../src/pino/index.js'

function captureLines() {
  const lines: string[] = []
  const destination = new Writable({
    write(chunk, _encoding, callback) {
      lines.push(...String(chunk).split('\n').filter(Boolean))
      callback()
    },
  })
  return { lines, destination }
}

describe('createPinoLogger hides secrets in any case, at any depth', () => {
  it('headers as node writes them, provider options, deep nesting and child bindings', () => {
    const { lines, destination } = captureLines()
    const logger = createPinoLogger({ destination })
    logger.info(
      {
        req: {
          headers: {
            Authorization: 'Basic c2VjcmV0LWJhc2lj',
            'X-Api-Key': 'xapikey-secret',
            'proxy-authorization': 'Bearer proxy-secret',
            'user-agent': 'curl/8',
          },
        },
        channel: { slack: { webhookUrl: 'https://hooks.slack.com/services/T0/B0/slack-secret' } },
        pagerduty: { routingKey: 'routing-secret' },
        a: { b: { c: { d: { e: { f: { PASSWORD: 'deep-secret', API_KEY: 'upper-secret' } } } } } },
        list: [{ token: 'array-secret' }],
        twilio: { authToken: 'twilio-secret' },
        smtp: { auth: { user: 'u', pass: 'smtp-secret' } },
      },
      'line',
    )
    logger.child({ options: { secrets: ['whsec_child-secret'] } }).warn('child')
    const text = lines.join('\n')
    for (const secret of [
      'c2VjcmV0LWJhc2lj',
      'xapikey-secret',
      'proxy-secret',
      'slack-secret',
      'routing-secret',
      'deep-secret',
      'upper-secret',
      'array-secret',
      'twilio-secret',
      'smtp-secret',
      'child-secret',
    ])
      expect(text, secret).not.toContain(secret)
    const first = JSON.parse(lines[0] as string)
    expect(first.req.headers['user-agent']).toBe('curl/8')
    expect(first.req.headers.Authorization).toBe('[Redacted]')
  })

  it('is bounded: cycles and objects deeper than maxDepth are not walked forever', () => {
    const cyclic: Record<string, unknown> = { name: 'x' }
    cyclic.self = cyclic
    expect(redactSecrets(cyclic)).toEqual({ name: 'x', self: '[Circular]' })
    let deep: Record<string, unknown> = { password: 'p' }
    for (let i = 0; i < 50; i++) deep = { next: deep }
    expect(JSON.stringify(redactSecrets(deep))).not.toContain('"p"')
    expect(JSON.stringify(createSecretRedactor({ maxDepth: 3 })(deep))).toContain('[Truncated]')
    const input = { token: 't', keep: new Date(0) }
    expect(redactSecrets(input)).toEqual({ token: '[Redacted]', keep: new Date(0) })
    expect(input.token).toBe('t')
  })
})

// ---- every secret-bearing option of every opskit package is in the redaction set ----------------

const PACKAGES_DIR = join(import.meta.dirname, '..', '..')

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) return entry.name === 'testing' ? [] : sourceFiles(path)
    return entry.name.endsWith('.ts') ? [path] : []
  })
}

/** Every property name, at any depth, of every exported `*Options` interface of every package. */
function optionFields(): Array<{ where: string; name: string }> {
  const fields: Array<{ where: string; name: string }> = []
  const packages = readdirSync(PACKAGES_DIR).filter((name) => !name.startsWith('.'))
  for (const pkg of packages) {
    for (const file of sourceFiles(join(PACKAGES_DIR, pkg, 'src'))) {
      const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true)
      const visitMembers = (owner: string, members: ts.NodeArray<ts.TypeElement>) => {
        for (const member of members) {
          if (!ts.isPropertySignature(member) || !member.name) continue
          const name = member.name.getText(source).replace(/^['"]|['"]$/g, '')
          fields.push({ where: `${pkg}: ${owner}.${name}`, name })
          const walk = (node: ts.Node): void => {
            if (ts.isTypeLiteralNode(node)) visitMembers(`${owner}.${name}`, node.members)
            else ts.forEachChild(node, walk)
          }
          if (member.type) walk(member.type)
        }
      }
      ts.forEachChild(source, (node) => {
        if (ts.isInterfaceDeclaration(node) && /Options$/.test(node.name.text))
          visitMembers(node.name.text, node.members)
      })
    }
  }
  return fields
}

/** Names that look like secrets but are not (why, in a word). */
const NOT_SECRET = new Set(
  [
    'publicKey', // verification key, public by definition
    'keyId', // an identifier (APNs kid)
    'keyName',
    'storageKey', // where an artifact lives
    'groupKey',
    'idempotencyKey',
    'tokenRefreshMs',
    'tokenKinds',
    'tokens', // device push tokens are addresses, not credentials
    'pushPerToken',
    'logTokenRefresh',
    'logPasswordChange',
    'basicAuth', // the object; its password fields are redacted one level down
    'allowPrivateNetworks',
    'accountSid', // Twilio account id, sent in every URL
    'messagingServiceSid',
    'secretNames', // createPinoLogger's list of extra field names
  ].map(normaliseFieldName),
)

const LOOKS_SECRET =
  /secret|passw|^pass$|passphrase|token|apikey|privatekey|signingkey|wrappingkey|routingkey|webhookurl|authoriz|^auth$|credential|cookie|serviceaccount/

describe('the redaction set covers every provider option that holds a secret', () => {
  const fields = optionFields()
  const redacted = new Set(SECRET_FIELD_NAMES.map(normaliseFieldName))

  it('the walk reads the option types of every package (it cannot pass on an empty list)', () => {
    const names = new Set(fields.map((f) => f.name))
    for (const known of [
      'apiKey',
      'authToken',
      'pass',
      'secrets',
      'privateKey',
      'webhookUrl',
      'routingKey',
      'signingKey',
    ])
      expect(names, known).toContain(known)
    expect(fields.length).toBeGreaterThan(300)
  })

  it('every option whose name says secret is redacted by default', () => {
    const missing = fields
      .filter(
        (f) => LOOKS_SECRET.test(normaliseFieldName(f.name)) && !NOT_SECRET.has(normaliseFieldName(f.name)),
      )
      .filter((f) => !redacted.has(normaliseFieldName(f.name)))
      .map((f) => f.where)
    expect(missing).toEqual([])
  })
})
