import t from 'tap'
import { createHash } from 'node:crypto'
import { digestProblem, parseDigest, verifyStream } from '../../lib/oci/digest.js'
import { DigestMismatchError, FormatError, SizeMismatchError, UnsupportedError } from '../../lib/errors.js'
import { collect } from '../source/fixtures/oci.js'

const hex64 = 'a'.repeat(64)

t.test('accepts sha256 and sha512, refuses anything that could name another path', async t => {
  t.same(parseDigest(`sha256:${hex64}`, 'x'), { algorithm: 'sha256', hex: hex64 })
  t.same(parseDigest(`sha512:${'0'.repeat(128)}`, 'x').algorithm, 'sha512')
  const bad = [
    `sha256:${'a'.repeat(63)}`, `sha256:${'A'.repeat(64)}`, `sha256:../../../etc/passwd`, `sha256:${hex64}/..`,
    `sha256:${hex64}\n`, 'sha256:', ':abc', hex64, `sha512:${hex64}`, `sha256:${hex64.slice(2)}..`,
  ]
  for (const d of bad) {
    t.not(digestProblem(d), null, d)
    t.throws(() => parseDigest(d, 'manifest x'), { constructor: FormatError, message: /^manifest x: malformed/ }, d)
  }
  t.throws(() => parseDigest(`blake3:${hex64}`, 'x'), { constructor: UnsupportedError, message: /unsupported digest algorithm "blake3"/ })
})

async function* from(...parts: string[]): AsyncGenerator<Buffer> {
  for (const p of parts) yield Buffer.from(p)
}

t.test('verifyStream checks size early, then length and digest at the end', async t => {
  const digest = `sha256:${createHash('sha256').update('hello world').digest('hex')}`
  t.equal((await collect(verifyStream(from('hello', ' world'), { digest, size: 11 }, 'blob b'))).toString(), 'hello world')
  const seen: string[] = []
  const tooLong = (async () => {
    for await (const c of verifyStream(from('hello', ' world', 'never'), { digest, size: 6 }, 'blob b')) seen.push(c.toString())
  })()
  await t.rejects(tooLong, { constructor: SizeMismatchError, code: 'SIZE_MISMATCH', message: 'blob b: size mismatch: got 11, want 6' })
  t.same(seen, ['hello'], 'fails before passing on bytes past the size')
  await t.rejects(collect(verifyStream(from('hello'), { digest, size: 11 }, 'blob b')), { message: 'blob b: size mismatch: got 5, want 11' })
  await t.rejects(collect(verifyStream(from('hello worlD'), { digest, size: 11 }, 'blob b')), {
    constructor: DigestMismatchError,
    code: 'DIGEST_MISMATCH',
    message: new RegExp(`^blob b: digest mismatch: got sha256:[0-9a-f]{64}, want ${digest}$`),
  })
})
