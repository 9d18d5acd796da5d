import { createCipheriv, randomBytes } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { createFieldSealer, decryptField, encryptedKeyId, isEncrypted } from '../src/crypto/subject-crypto.js'

const subjectKey = (subjectId: string) => ({ subjectId, keyId: `key-${subjectId}`, key: randomBytes(32) })

describe('personal field encryption', () => {
  it('seals deterministically per subject and field, and opens only with that key', () => {
    const alice = subjectKey('alice')
    const bob = subjectKey('bob')
    const sealer = createFieldSealer()
    const first = sealer.seal(alice, 'actor.ip', '203.0.113.7')
    expect(first).toMatch(/^enc:v2:key-alice:[A-Za-z0-9_-]+$/)
    expect(isEncrypted(first)).toBe(true)
    expect(encryptedKeyId(first)).toBe('key-alice')
    expect(first).not.toContain('203.0.113.7')
    // A fresh sealer (no cache) derives the same text: the IV is synthetic, not random.
    expect(createFieldSealer().seal(alice, 'actor.ip', '203.0.113.7')).toBe(first)
    expect(sealer.seal(alice, 'actor.email', '203.0.113.7')).not.toBe(first)
    expect(sealer.seal(alice, 'actor.ip', '203.0.113.8')).not.toBe(first)
    expect(sealer.seal(bob, 'actor.ip', '203.0.113.7')).not.toBe(first)
    const keys = new Map([[alice.keyId, alice]])
    expect(decryptField(keys, 'any-event', 'actor.ip', first)).toBe('203.0.113.7')
    // Moved to another field, or with the key destroyed, it does not open.
    expect(decryptField(keys, 'any-event', 'actor.email', first)).toBeUndefined()
    expect(decryptField(new Map(), 'any-event', 'actor.ip', first)).toBeUndefined()
  })

  it('detects an altered ciphertext', () => {
    const alice = subjectKey('alice')
    const sealed = createFieldSealer().seal(alice, 'actor.name', 'Alice Example')
    const prefix = sealed.slice(0, sealed.lastIndexOf(':') + 1)
    const blob = Buffer.from(sealed.slice(prefix.length), 'base64url')
    blob[blob.length - 1] = (blob[blob.length - 1] as number) ^ 1
    const altered = `${prefix}${blob.toString('base64url')}`
    expect(decryptField(new Map([[alice.keyId, alice]]), 'e', 'actor.name', altered)).toBeUndefined()
  })

  it('keeps at most `capacity` remembered results and still seals correctly past it', () => {
    const alice = subjectKey('alice')
    const sealer = createFieldSealer(2)
    const texts = ['a', 'b', 'c', 'a'].map((value) => sealer.seal(alice, 'actor.name', value))
    expect(texts[3]).toBe(texts[0])
    const keys = new Map([[alice.keyId, alice]])
    expect(texts.map((text) => decryptField(keys, 'e', 'actor.name', text))).toEqual(['a', 'b', 'c', 'a'])
  })

  it('still opens enc:v1 fields (random IV, event id bound) written by earlier versions', () => {
    const alice = subjectKey('alice')
    const iv = randomBytes(12)
    const cipher = createCipheriv('aes-256-gcm', alice.key, iv)
    cipher.setAAD(Buffer.from('event-1/actor.email'))
    const ciphertext = Buffer.concat([cipher.update('alice@example.com', 'utf8'), cipher.final()])
    const v1 = `enc:v1:${alice.keyId}:${Buffer.concat([iv, cipher.getAuthTag(), ciphertext]).toString('base64url')}`
    const keys = new Map([[alice.keyId, alice]])
    expect(isEncrypted(v1)).toBe(true)
    expect(encryptedKeyId(v1)).toBe(alice.keyId)
    expect(decryptField(keys, 'event-1', 'actor.email', v1)).toBe('alice@example.com')
    expect(decryptField(keys, 'event-2', 'actor.email', v1)).toBeUndefined()
  })
})
