import t from 'tap'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { decompress } from '../../lib/compress/decompress.js'
import { coalesce } from '../../lib/compress/gzip.js'
import { sniffCompression } from '../../lib/compress/sniff.js'
import { DecompressError, DigestMismatchError } from '../../lib/errors.js'
import { collect, run, skippableFrame, tempDir } from '../source/fixtures/oci.js'

// Real-ish input: a tar of part of /usr (a few MB), compressed by the gzip/zstd command-line tools.
const work = tempDir(t)
const plain = run('tar', ['-C', '/usr/include', '-cf', '-', 'linux'])
writeFileSync(join(work, 'plain.tar'), plain)
const gz = run('gzip', ['-c', join(work, 'plain.tar')])
const zst = run('zstd', ['-q', '-c', '-3', join(work, 'plain.tar')])

async function* chunked(b: Buffer, sizes: number[]): AsyncGenerator<Buffer> {
  let at = 0
  for (let i = 0; at < b.length; i++) {
    const n = sizes[i % sizes.length]!
    yield b.subarray(at, at + n)
    at += n
  }
}

const MB = 1 << 20
const decode = (b: Buffer, sizes = [MB]) => collect(decompress(chunked(b, sizes), 'test blob'))

t.ok(plain.length > 1 << 20, 'fixture tar is a few MB')

t.test('sniffing', async t => {
  t.equal(sniffCompression(gz), 'gzip')
  t.equal(sniffCompression(zst), 'zstd')
  t.equal(sniffCompression(skippableFrame(Buffer.from('x'))), 'zstd')
  t.equal(sniffCompression(plain), 'none')
  t.equal(sniffCompression(Buffer.from([0x1f])), 'none')
})

t.test('gzip output equals zcat, in 1 MiB and odd chunks', async t => {
  const want = run('zcat', [], { input: gz })
  t.ok((await decode(gz)).equals(want))
  t.ok((await decode(gz, [1, 3, 7, 65536, 1000003])).equals(want))
})

t.test('coalesce joins small network reads into pieces of at least the minimum, in order', async t => {
  const data = Buffer.from(Array.from({ length: 12_000 }, (_, i) => i % 251))
  const pieces = await collectAll(coalesce(chunked(data, [1, 700, 33, 5000, 2]), 4096))
  t.ok(Buffer.concat(pieces).equals(data), 'same bytes in the same order')
  t.same(pieces.map(p => p.length >= 4096), [true, true, false], 'only the last piece may be short')
  const big = await collectAll(coalesce(chunked(data, [8192]), 4096))
  t.equal(big[0]!.buffer, data.buffer, 'a piece already large enough is passed on without a copy')
  t.same(await collectAll(coalesce(chunked(Buffer.alloc(0), [1]), 4096)), [], 'nothing in, nothing out')
})

async function collectAll(src: AsyncIterable<Buffer>): Promise<Buffer[]> {
  const out: Buffer[] = []
  for await (const b of src) out.push(b)
  return out
}

t.test('multi-member gzip equals zcat', async t => {
  const half = plain.length >> 1
  const two = Buffer.concat([run('gzip', ['-c'], { input: plain.subarray(0, half) }), run('gzip', ['-c'], { input: plain.subarray(half) })])
  const want = run('zcat', [], { input: two })
  t.ok(want.equals(plain))
  t.ok((await decode(two)).equals(want))
})

t.test('zstd output equals zstd -dc, also behind a skippable frame and across frames', async t => {
  const want = run('zstd', ['-dc'], { input: zst })
  t.ok((await decode(zst, [1, 5, 131072])).equals(want))
  const frame2 = run('zstd', ['-q', '-c'], { input: Buffer.from('second frame') })
  const chunked = Buffer.concat([skippableFrame(Buffer.from('{"toc":1}')), zst, skippableFrame(Buffer.alloc(100)), frame2])
  const want2 = run('zstd', ['-dc'], { input: chunked })
  t.ok(want2.equals(Buffer.concat([plain, Buffer.from('second frame')])), 'zstd CLI agrees on the fixture')
  t.ok((await decode(chunked)).equals(want2))
})

t.test('plain data passes through unchanged', async t => {
  t.ok((await decode(plain, [2, 100000])).equals(plain))
  t.equal((await decode(Buffer.alloc(0))).length, 0)
})

t.test('corrupt and truncated streams fail with DecompressError naming the blob', async t => {
  const badGz = Buffer.from(gz)
  badGz[Math.floor(badGz.length / 2)]! ^= 0xff
  const cases: [string, Buffer][] = [
    ['corrupt gzip', badGz],
    ['truncated gzip', gz.subarray(0, gz.length - 100)],
    ['truncated gzip header', gz.subarray(0, 5)],
    ['truncated zstd', zst.subarray(0, zst.length - 100)],
    ['corrupt zstd', Buffer.concat([zst.subarray(0, 4), Buffer.alloc(64, 0xff)])],
    ['truncated skippable frame', skippableFrame(Buffer.alloc(100)).subarray(0, 50)],
  ]
  for (const [name, bytes] of cases) {
    await t.rejects(decode(bytes), { constructor: DecompressError, code: 'DECOMPRESS', message: /^test blob: (gzip|zstd): / }, name)
  }
})

t.test('errors from the source pass through unchanged', async t => {
  async function* failing(): AsyncGenerator<Buffer> {
    yield gz.subarray(0, 1000)
    throw new DigestMismatchError('layer 1/1', 'sha256:aa', 'sha256:bb')
  }
  for (const head of [gz, zst]) {
    async function* src(): AsyncGenerator<Buffer> {
      yield head.subarray(0, 1000)
      yield* failing()
    }
    await t.rejects(collect(decompress(src(), 'x')), DigestMismatchError)
  }
})

t.test('stopping early releases the source', async t => {
  for (const bytes of [gz, zst, plain]) {
    let closed = false
    async function* src(): AsyncGenerator<Buffer> {
      try {
        yield* chunked(bytes, [65536])
      } finally {
        closed = true
      }
    }
    for await (const chunk of decompress(src(), 'x')) {
      t.ok(chunk.length > 0)
      break
    }
    t.ok(closed)
  }
})
