// indexTar against TarParser on GNU tar archives: same entries and offsets, reading only headers;
// and both agree on where an archive may end (truncation at every kind of offset).
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { BootcLiveError } from '../../lib/errors.js'
import { paddedSize } from '../../lib/tar/header.js'
import { indexTar } from '../../lib/tar/index-file.js'
import { gnuTarOf, parseTar } from './fixtures/helpers.js'
import { makeTree } from './fixtures/trees.js'

const work = mkdtempSync(join(tmpdir(), 'tar-index-'))
t.teardown(() => rmSync(work, { recursive: true, force: true }))
const src = join(work, 'src')
mkdirSync(src)
makeTree(src, 'full')

/** A readAt over a buffer that counts the bytes read. */
function reader(tar: Uint8Array) {
  const stats = { bytes: 0 }
  const readAt = async (pos: number, len: number) => {
    stats.bytes += len
    return tar.subarray(pos, pos + len)
  }
  return { readAt, stats }
}

async function outcome(run: () => Promise<unknown> | unknown): Promise<unknown> {
  try {
    return { ok: await run() }
  } catch (err) {
    if (!(err instanceof BootcLiveError)) throw err
    return { code: err.code, message: err.message }
  }
}

for (const format of ['gnu', 'posix']) {
  const tar = gnuTarOf(work, src, format)
  const entries = parseTar(tar, 'whole').map(p => p.entry)

  t.test(`${format}: indexTar matches the parser and skips data`, async t => {
    const { readAt, stats } = reader(tar)
    t.same(await indexTar(readAt, tar.length), entries)
    const dataBytes = entries.reduce((n, e) => n + e.size, 0)
    t.ok(dataBytes > 100_000, 'the archive has data to skip')
    t.ok(stats.bytes < tar.length - dataBytes, `read ${stats.bytes} of ${tar.length} bytes`)
  })

  t.test(`${format}: truncation`, async t => {
    const entryEnds = new Set(entries.map(e => e.dataOffset + paddedSize(e.size)))
    const endMarker = tar.length - 10240 // GNU tar pads to 20 blocks; the marker lies within
    let cuts = 0
    for (let cut = 1; cut < tar.length; cut += cut < endMarker ? 53 : 997) {
      const part = tar.subarray(0, cut)
      const fromParser = await outcome(() => parseTar(part, 'whole').map(p => p.entry))
      const fromIndex = await outcome(() => indexTar(reader(part).readAt, part.length))
      t.same(fromIndex, fromParser, `cut at ${cut}: parser and indexer agree`)
      cuts++
    }
    for (const cut of entryEnds) {
      const part = tar.subarray(0, cut)
      const got = parseTar(part, 'whole').map(p => p.entry)
      t.same(got, entries.filter(e => e.dataOffset <= cut), `EOF after an entry (at ${cut}) is accepted`)
    }
    for (const cut of [100, 511, 513, entries.at(-1)!.dataOffset + 1]) {
      const err = await outcome(() => parseTar(tar.subarray(0, cut), 'random'))
      t.match(err, { code: 'TAR_FORMAT', message: /^truncated tar / }, `cut at ${cut}`)
    }
    t.ok(cuts > 100)
  })
}
