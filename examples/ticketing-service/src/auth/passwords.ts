import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto'

/** scrypt cost parameters. */
export interface ScryptCost {
  /** CPU/memory cost, a power of two. */
  N: number
  /** Block size. */
  r: number
  /** Parallelisation. */
  p: number
}

/**
 * OWASP's floor for scrypt (Password Storage Cheat Sheet: N = 2^17, r = 8, p = 1, i.e. 128 MiB
 * per hash). The default of the service; tests and the demo pass a cheaper cost explicitly.
 */
export const OWASP_SCRYPT_COST: ScryptCost = { N: 2 ** 17, r: 8, p: 1 }

const KEY_LENGTH = 32

function derive(password: string, salt: Buffer, cost: ScryptCost): Promise<Buffer> {
  // scrypt needs 128 * N * r bytes; leave room above it.
  const maxmem = 256 * cost.N * cost.r
  return new Promise((resolve, reject) => {
    scrypt(password, salt, KEY_LENGTH, { N: cost.N, r: cost.r, p: cost.p, maxmem }, (error, key) =>
      error ? reject(error) : resolve(key),
    )
  })
}

/** Hashes and checks passwords with one scrypt cost. */
export interface PasswordHasher {
  /** Hashes a password as `scrypt$N$r$p$salt$hash` (base64 salt and hash). */
  hash(password: string): Promise<string>
  /**
   * Checks a password against a stored hash (with the cost it was made with) in constant time;
   * `undefined` = unknown user, checked against a dummy hash so it costs the same.
   */
  verify(password: string, stored: string | undefined): Promise<boolean>
}

/** Creates a password hasher; new hashes use `cost`. */
export function createPasswordHasher(cost: ScryptCost = OWASP_SCRYPT_COST): PasswordHasher {
  const hash = async (password: string) => {
    const salt = randomBytes(16)
    const key = await derive(password, salt, cost)
    return `scrypt$${cost.N}$${cost.r}$${cost.p}$${salt.toString('base64')}$${key.toString('base64')}`
  }
  // A real hash of a random password, checked when the user does not exist so that an unknown
  // e-mail address costs the same time as a wrong password.
  let dummyHash: Promise<string> | undefined
  return {
    hash,
    async verify(password, stored) {
      dummyHash ??= hash(randomBytes(16).toString('hex'))
      const encoded = stored ?? (await dummyHash)
      const parts = encoded.split('$')
      if (parts.length !== 6 || parts[0] !== 'scrypt') return false
      const [, n, r, p, salt, hashed] = parts as [string, string, string, string, string, string]
      const expected = Buffer.from(hashed, 'base64')
      const actual = await derive(password, Buffer.from(salt, 'base64'), {
        N: Number(n),
        r: Number(r),
        p: Number(p),
      })
      return timingSafeEqual(actual, expected) && stored !== undefined
    },
  }
}
