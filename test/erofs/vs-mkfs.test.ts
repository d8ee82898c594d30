// mkfs.erofs 1.5 as the outside reference: the same tree, materialized on disk and built by mkfs.erofs,
// must mount to the same listing as our image, and our reader must read mkfs.erofs's image.

import t from 'tap'
import { execFile } from 'node:child_process'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { BasicContentReader } from '../../lib/tree/content.js'
import { writeErofs } from '../../lib/erofs/mkfs.js'
import { fsck, listMounted, listReader, listTreeExpected, materialize, tempDir, withMount } from './harness.js'
import { bytesFile, dir, pattern, put, sampleTree } from './sample-tree.js'

const run = promisify(execFile)

t.test('mkfs.erofs and our writer: same tree, same mounted listing; our reader reads both', async t => {
  const tmp = await tempDir(t)
  const tree = sampleTree()
  // mkfs.erofs 1.5 fails on a 255-byte name ("Could not format the device: No such file or directory")
  tree.root.children!.get('odd')!.children!.delete('n'.repeat(255))
  const many = put(tree.root, 'many', dir())
  for (let i = 0; i < 400; i++) put(many, `entry-${'x'.repeat(i % 60)}-${i}`, bytesFile(pattern(i * 37, i)))
  const src = join(tmp, 'src')
  await materialize(tree, src)
  const theirs = join(tmp, 'mkfs.erofs')
  const ours = join(tmp, 'ours.erofs')
  await run('mkfs.erofs', ['-T0', '-U', '00000000-0000-0000-0000-000000000000', theirs, src])
  await writeErofs(tree, new BasicContentReader(), ours)
  await fsck(ours)

  const expected = await listTreeExpected(tree, { withMtime: true })
  const theirListing = await withMount(theirs, d => listMounted(d, { withMtime: true }))
  t.strictSame(theirListing, expected, 'mkfs.erofs image holds the tree (materialize is faithful)')
  t.strictSame(await withMount(ours, d => listMounted(d, { withMtime: true })), theirListing, 'our image mounts like mkfs.erofs image')
  t.strictSame(await listReader(theirs, { withMtime: true }), expected, 'our reader reads the mkfs.erofs image')
})
