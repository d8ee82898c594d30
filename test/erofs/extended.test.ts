// Extended inodes: a file above 4 GiB (written sparse: the reader below hands out zero chunks, which
// the file sink leaves as holes), owners above 65535, preserved mtimes; and the 6.15+ compact mtime.

import t from 'tap'
import { lstat, open, readFile, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { encode, decode } from '../../lib/binary/struct.js'
import type { ContentReader } from '../../lib/tree/content.js'
import { BasicContentReader } from '../../lib/tree/content.js'
import { Inode, Tree } from '../../lib/tree/node.js'
import { erofsSuperblockCrc } from '../../lib/erofs/crc32c.js'
import { EROFS_BLKSIZ, EROFS_ISLOT_SIZE, EROFS_SUPER_OFFSET, erofsInodeCompact, erofsSuperBlock } from '../../lib/erofs/format.js'
import { writeErofs } from '../../lib/erofs/mkfs.js'
import { openErofsFile } from '../../lib/erofs/reader.js'
import { fsck, listMounted, listTreeExpected, tempDir, withMount } from './harness.js'
import { bytesFile, dir, pattern, put, sampleTree } from './sample-tree.js'

const HUGE = 2 ** 32 + 4097
const TAIL = pattern(8192, 5)

/** Serves the layer content as zeros followed by TAIL, without holding it; bytes as they are. */
const hugeReader: ContentReader = {
  async read(requests, deliver) {
    const zeros = new Uint8Array(1 << 20)
    for (let i = 0; i < requests.length; i++) {
      const c = requests[i]!
      if (c.kind === 'bytes') {
        await deliver(i, c.data, 0)
        continue
      }
      if (c.kind !== 'layer') throw new Error('unexpected content')
      for (let at = 0; at < c.size; ) {
        const abs = c.offset + at
        const tailFrom = HUGE - TAIL.length
        const n = abs < tailFrom ? Math.min(zeros.length, tailFrom - abs, c.size - at) : c.size - at
        await deliver(i, abs < tailFrom ? zeros.subarray(0, n) : TAIL.subarray(abs - tailFrom, abs - tailFrom + n), at)
        at += n
      }
    }
  },
}

t.test('a file above 4 GiB gets an extended inode and reads back', async t => {
  const tmp = await tempDir(t)
  const tree = new Tree(dir())
  const f = put(tree.root, 'huge', new Inode('reg', 0o644))
  f.content = { kind: 'layer', layer: 0, offset: 0, size: HUGE }
  put(tree.root, 'small', bytesFile('small'))
  const img = join(tmp, 'huge.erofs')
  await writeErofs(tree, hugeReader, img)
  t.ok((await stat(img)).blocks * 512 < 64 << 20, 'written sparse')
  await fsck(img)

  const image = await openErofsFile(img)
  try {
    const st = await image.stat('/huge')
    t.equal(st.size, HUGE)
    t.equal(st.extended, true)
    t.equal((await image.stat('/small')).extended, false)
    t.same(await image.readRange(st, HUGE - TAIL.length, TAIL.length), TAIL, 'last bytes (blocks and inline tail)')
    t.same(await image.readRange(st, 2 ** 31, 16), new Uint8Array(16))
  } finally {
    await image.close()
  }
  await withMount(img, async d => {
    t.equal((await stat(join(d, 'huge'))).size, HUGE, 'kernel size')
    const fh = await open(join(d, 'huge'), 'r')
    try {
      const buf = Buffer.alloc(TAIL.length)
      await fh.read(buf, 0, buf.length, HUGE - TAIL.length)
      t.ok(buf.equals(TAIL), 'kernel reads the last bytes')
    } finally {
      await fh.close()
    }
  })
})

t.test('owners above 65535 use extended inodes', async t => {
  const tmp = await tempDir(t)
  const img = join(tmp, 'owners.erofs')
  const tree = sampleTree()
  await writeErofs(tree, new BasicContentReader(), img)
  const image = await openErofsFile(img)
  try {
    const st = await image.stat('/home/big-uid')
    t.match(st, { extended: true, uid: 70000, gid: 70001 })
    t.equal((await image.stat('/etc/passwd')).extended, false)
  } finally {
    await image.close()
  }
})

t.test('preserveMtime keeps times (extended inodes); zero times stay compact', async t => {
  const tmp = await tempDir(t)
  const img = join(tmp, 'mtime.erofs')
  const tree = sampleTree()
  tree.root.mtimeSec = 1700000000
  tree.root.children!.get('etc')!.children!.get('passwd')!.mtimeSec = 1234567890
  Object.assign(tree.root.children!.get('links')!.children!.get('abs')!, { mtimeSec: 86400, mtimeNsec: 123456789 })
  await writeErofs(tree, new BasicContentReader(), img, { preserveMtime: true })
  await fsck(img)
  const expected = await listTreeExpected(tree, { withMtime: true })
  t.strictSame(await withMount(img, d => listMounted(d, { withMtime: true })), expected)
  await withMount(img, async d => t.equal((await lstat(join(d, 'links/abs'), { bigint: true })).mtimeNs, 86400123456789n, 'nanoseconds'))
  const image = await openErofsFile(img)
  try {
    t.match(await image.stat('/links/abs'), { extended: true, mtimeSec: 86400, mtimeNsec: 123456789 })
    t.match(await image.stat('/empty'), { extended: false, mtimeSec: 0 })
  } finally {
    await image.close()
  }
})

t.test('compact inode mtime in the 6.15 form: build_time + i_reserved', async t => {
  const tmp = await tempDir(t)
  const img = join(tmp, 'epoch.erofs')
  const tree = new Tree(dir())
  put(tree.root, 'f', bytesFile('x'))
  await writeErofs(tree, new BasicContentReader(), img)
  const buf = await readFile(img)
  const sb = decode(erofsSuperBlock, buf, EROFS_SUPER_OFFSET)
  const image0 = await openErofsFile(img)
  const nid = (await image0.stat('/f')).nid
  await image0.close()
  encode(erofsInodeCompact, buf, (sb.meta_blkaddr as number) * EROFS_BLKSIZ + nid * EROFS_ISLOT_SIZE, { i_reserved: 5 })
  encode(erofsSuperBlock, buf, EROFS_SUPER_OFFSET, { build_time: 1000, build_time_nsec: 7, checksum: 0 })
  encode(erofsSuperBlock, buf, EROFS_SUPER_OFFSET, { checksum: erofsSuperblockCrc(buf.subarray(EROFS_SUPER_OFFSET, EROFS_BLKSIZ)) })
  await writeFile(img, buf)
  const image = await openErofsFile(img)
  try {
    t.match(await image.stat('/f'), { mtimeSec: 1005, mtimeNsec: 7 })
    t.match(await image.stat('/'), { mtimeSec: 1000 })
  } finally {
    await image.close()
  }
  // kernels since 6.15 read the same; older ones ignore i_reserved
  const kernel = await withMount(img, async d => Number((await stat(join(d, 'f'), { bigint: true })).mtimeNs))
  t.ok(kernel === 1005e9 + 7 || kernel === 1000e9 + 7, `kernel mtime ${kernel}`)
})
