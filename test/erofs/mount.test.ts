// Our image of a hand-made tree, checked by outside references: fsck.erofs, dump.erofs, the kernel
// (loop mount, compared with the expected listing) and our own reader.

import t from 'tap'
import { execFile } from 'node:child_process'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { BasicContentReader } from '../../lib/tree/content.js'
import { writeErofs } from '../../lib/erofs/mkfs.js'
import { fsck, listMounted, listReader, listTreeExpected, tempDir, withMount } from './harness.js'
import { pattern, sampleTree } from './sample-tree.js'

const run = promisify(execFile)

t.test('sample tree: fsck, dump, kernel mount and reader agree with the tree', async t => {
  const dir = await tempDir(t)
  const onDisk = join(dir, 'source-file')
  await writeFile(onDisk, pattern(20000, 9))
  const tree = sampleTree({ filePath: onDisk, fileSize: 20000 })
  const img = join(dir, 'sample.erofs')
  const { bytes } = await writeErofs(tree, new BasicContentReader(), img, { volumeName: 'sample' })
  t.equal(bytes % 4096, 0, 'image is whole blocks')

  await fsck(img)
  const dump = (await run('dump.erofs', ['-s', img])).stdout
  t.match(dump, /Filesystem blocks:\s+(\d+)/)
  t.equal(Number(/Filesystem blocks:\s+(\d+)/.exec(dump)![1]) * 4096, bytes, 'superblock block count covers the file')
  t.match(dump, /Filesystem root nid:\s+0\b/)
  t.match(dump, /sb_csum/)

  const expected = await listTreeExpected(tree)
  t.strictSame(await withMount(img, listMounted), expected, 'kernel mount matches the tree')
  t.strictSame(await listReader(img), expected, 'our reader matches the tree')
})

t.test('allRoot and volume name', async t => {
  const dir = await tempDir(t)
  const tree = sampleTree()
  const img = join(dir, 'root.erofs')
  await writeErofs(tree, new BasicContentReader(), img, { allRoot: true, volumeName: 'x'.repeat(15) })
  await fsck(img)
  t.strictSame(await withMount(img, listMounted), await listTreeExpected(tree, { allRoot: true }))
})
