// Digests ("sha256:<64 hex>", "sha512:<128 hex>") and the verifying stream every blob goes through.
// A digest string is checked here before it may name a file (CVE-2024-3727: "sha256:../../x").

import { createHash, type Hash } from 'node:crypto'
import { DigestMismatchError, FormatError, NotFoundError, SizeMismatchError, UnsupportedError } from '../errors.js'

export type DigestAlgorithm = 'sha256' | 'sha512'

export interface ParsedDigest {
  algorithm: DigestAlgorithm
  /** Lowercase hex, exactly 64 (sha256) or 128 (sha512) characters. */
  hex: string
}

const HEX_LENGTH: Record<DigestAlgorithm, number> = { sha256: 64, sha512: 128 }
// descriptor.md grammar: algorithm ":" encoded.
const DIGEST_GRAMMAR = /^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/

/** Why `s` is not a digest we accept, or null when it is one. */
export function digestProblem(s: string): string | null {
  const colon = s.indexOf(':')
  const alg = s.slice(0, colon)
  const hex = s.slice(colon + 1)
  if (colon < 0 || !DIGEST_GRAMMAR.test(s)) return `malformed digest ${JSON.stringify(truncate(s))}`
  if (alg !== 'sha256' && alg !== 'sha512') return `unsupported digest algorithm ${JSON.stringify(truncate(alg))}`
  if (hex.length !== HEX_LENGTH[alg] || !/^[0-9a-f]+$/.test(hex)) {
    return `malformed ${alg} digest ${JSON.stringify(truncate(s))}: want ${HEX_LENGTH[alg]} lowercase hex digits`
  }
  return null
}

export function parseDigest(s: string, what: string): ParsedDigest {
  const problem = digestProblem(s)
  if (problem !== null) {
    if (problem.startsWith('unsupported')) throw new UnsupportedError(`${what}: ${problem}`)
    throw new FormatError(`${what}: ${problem}`)
  }
  const colon = s.indexOf(':')
  return { algorithm: s.slice(0, colon) as DigestAlgorithm, hex: s.slice(colon + 1) }
}

/** "sha256:0123456789ab" for messages. */
export function shortDigest(digest: string): string {
  return digest.length > 19 ? digest.slice(0, 19) : digest
}

export function newHasher(d: ParsedDigest): Hash {
  return createHash(d.algorithm)
}

export function missingBlob(what: string, digest: string): NotFoundError {
  return new NotFoundError(`${what}: blob ${digest} not found`, { code: 'MISSING_BLOB' })
}

export interface Expected {
  digest: string
  size: number
}

/**
 * Passes `src` through, failing as soon as it runs past `want.size` and, at its end, when it is
 * short or its digest differs. A consumer that stops early never gets the digest check, so callers
 * that must trust the bytes read to the end (gcr internal/verify).
 */
export async function* verifyStream(src: AsyncIterable<Uint8Array>, want: Expected, what: string): AsyncGenerator<Buffer> {
  const hash = newHasher(parseDigest(want.digest, what))
  let got = 0
  for await (const chunk of src) {
    got += chunk.length
    if (got > want.size) throw new SizeMismatchError(what, got, want.size) // early: got is a lower bound
    hash.update(chunk)
    yield Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length)
  }
  if (got !== want.size) throw new SizeMismatchError(what, got, want.size)
  const digest = `${want.digest.slice(0, want.digest.indexOf(':'))}:${hash.digest('hex')}`
  if (digest !== want.digest) throw new DigestMismatchError(what, digest, want.digest)
}

function truncate(s: string): string {
  return s.length > 80 ? `${s.slice(0, 80)}...` : s
}
