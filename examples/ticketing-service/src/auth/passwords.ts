import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto'

// scrypt parameters (OWASP: N=2^15 is the floor for interactive logins; 2^14 keeps the demo
// and tests quick on a shared 2-core machine while staying memory-hard).
const N = 16_384
const R = 8
const P = 1
const KEY_LENGTH = 32

function derive(password: string, salt: Buffer, n: number, r: number, p: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(password, salt, KEY_LENGTH, { N: n, r, p, maxmem: 64 * 1024 * 1024 }, (error, key) =>
      error ? reject(error) : resolve(key),
    )
  })
}

/** Hashes a password as `scrypt$N$r$p$salt$hash` (base64 salt and hash). */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16)
  const key = await derive(password, salt, N, R, P)
  return `scrypt$${N}$${R}$${P}$${salt.toString('base64')}$${key.toString('base64')}`
}

// A real hash of a random password, checked when the user does not exist so that an unknown
// e-mail address costs the same time as a wrong password.
let dummyHash: Promise<string> | undefined

/** Checks a password against a stored hash in constant time; `undefined` hash = unknown user. */
export async function verifyPassword(password: string, stored: string | undefined): Promise<boolean> {
  dummyHash ??= hashPassword(randomBytes(16).toString('hex'))
  const encoded = stored ?? (await dummyHash)
  const parts = encoded.split('$')
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false
  const [, n, r, p, salt, hash] = parts as [string, string, string, string, string, string]
  const expected = Buffer.from(hash, 'base64')
  const actual = await derive(password, Buffer.from(salt, 'base64'), Number(n), Number(r), Number(p))
  return timingSafeEqual(actual, expected) && stored !== undefined
}
