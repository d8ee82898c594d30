// The reader on damaged images: truncation, a bad magic, and seeded random byte flips (with the
// superblock checksum repaired, so the damage reaches the inode and directory parsers). Every failure
// must be a BootcLiveError; nothing may crash, hang or allocate without bound.

import t from 'tap'
import { execFileSync } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import fc from 'fast-check'
import { BootcLiveError } from '../../lib/errors.js'
import { encode } from '../../lib/binary/struct.js'
import { BasicContentReader } from '../../lib/tree/content.js'
import { erofsSuperblockCrc } from '../../lib/erofs/crc32c.js'
import { EROFS_BLKSIZ, EROFS_SUPER_OFFSET, erofsSuperBlock } from '../../lib/erofs/format.js'
import { writeErofs } from '../../lib/erofs/mkfs.js'
import { openErofs, openErofsFile } from '../../lib/erofs/reader.js'
import { tempDir } from './harness.js'
import { sampleTree } from './sample-tree.js'

/** Opens and reads everything; resolves to 'ok' or the error it failed with. */
async function readAll(buf: Uint8Array): Promise<'ok' | unknown> {
  try {
    const image = await openErofs(async (pos, len) => buf.subarray(pos, pos + len))
    await image.readTree()
    return 'ok'
  } catch (err) {
    return err
  }
}

function fixChecksum(buf: Uint8Array): void {
  encode(erofsSuperBlock, buf, EROFS_SUPER_OFFSET, { checksum: 0 })
  encode(erofsSuperBlock, buf, EROFS_SUPER_OFFSET, { checksum: erofsSuperblockCrc(buf.subarray(EROFS_SUPER_OFFSET, EROFS_BLKSIZ)) })
}

t.test('damaged images fail with BootcLiveError only', async t => {
  const tmp = await tempDir(t)
  const img = join(tmp, 'sample.erofs')
  await writeErofs(sampleTree(), new BasicContentReader(), img)
  const good = Uint8Array.from(await readFile(img))
  t.equal(await readAll(good), 'ok', 'the undamaged image reads')

  for (const len of [0, 100, 1100, 4096, good.length >> 1, good.length - 1]) {
    t.type(await readAll(good.subarray(0, len)), BootcLiveError, `truncated to ${len}`)
  }
  const badMagic = Uint8Array.from(good)
  badMagic[EROFS_SUPER_OFFSET] = badMagic[EROFS_SUPER_OFFSET]! ^ 0xff
  t.match(await readAll(badMagic), { code: 'FORMAT', message: /bad magic/ })
  const badSum = Uint8Array.from(good)
  badSum[EROFS_SUPER_OFFSET + 40] = badSum[EROFS_SUPER_OFFSET + 40]! ^ 1
  t.match(await readAll(badSum), { code: 'FORMAT', message: /checksum mismatch/ })
  const unknownIncompat = Uint8Array.from(good)
  encode(erofsSuperBlock, unknownIncompat, EROFS_SUPER_OFFSET, { feature_incompat: 0x100 })
  fixChecksum(unknownIncompat)
  t.match(await readAll(unknownIncompat), { code: 'FORMAT', message: /unknown incompatible/ })

  // flips in the metadata blocks (the data blocks only change file bytes)
  const metaEnd = Math.min(good.length, 6 * EROFS_BLKSIZ)
  const flips = fc.array(fc.tuple(fc.integer({ min: EROFS_SUPER_OFFSET, max: metaEnd - 1 }), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 8 })
  let failures = 0
  await fc.assert(
    fc.asyncProperty(flips, async list => {
      const bad = Uint8Array.from(good)
      for (const [at, x] of list) bad[at] = bad[at]! ^ x
      fixChecksum(bad)
      const r = await readAll(bad)
      if (r !== 'ok') failures++
      return r === 'ok' || r instanceof BootcLiveError
    }),
    { seed: 20240601, numRuns: Number(process.env.EROFS_FUZZ_RUNS ?? 400) },
  )
  t.ok(failures > 0, `flips were detected (${failures} rejected)`)
})

t.test('openErofsFile names the path it cannot read, and refuses a fifo instead of waiting for a writer', async t => {
  const dir = await tempDir(t)
  await t.rejects(openErofsFile(dir), { code: 'IO', message: `${dir}: read: EISDIR` })
  const fifo = join(dir, 'image.fifo')
  execFileSync('mkfifo', [fifo])
  await t.rejects(openErofsFile(fifo), { code: 'USAGE', message: `${fifo}: is a fifo, not an EROFS image` })
})
