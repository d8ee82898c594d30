// Files on disk are copied into the image by the reader (copyFiles, on worker threads, while the
// metadata is written), not read through JavaScript: the bytes must be the ones the read path gives.

import t from 'tap'
import { createHash } from 'node:crypto'
import { readFile, rm, truncate } from 'node:fs/promises'
import { join } from 'node:path'
import { digestErofs, writeErofs } from '../../lib/erofs/mkfs.js'
import { BasicContentReader, type ContentReader } from '../../lib/tree/content.js'
import { treeFromDir } from '../../lib/tree/from-dir.js'
import { fsck, materialize, tempDir } from './harness.js'
import { bytesFile, pattern, put, sampleTree } from './sample-tree.js'

/** The same reader without its copy path: every byte goes through read(). */
function readOnly(): ContentReader {
  const inner = new BasicContentReader()
  return { read: (requests, deliver) => inner.read(requests, deliver) }
}

const sha256 = async (path: string): Promise<string> => `sha256:${createHash('sha256').update(await readFile(path)).digest('hex')}`

t.test('copied and read images are the same bytes', async t => {
  const tmp = await tempDir(t)
  const tree = sampleTree()
  // full blocks and tails of every shape, all-zero runs, many files (several copy batches' worth of tails)
  for (const size of [1, 4095, 4096, 4097, 3 * 4096 + 17, 2 * 1024 * 1024 + 5]) put(tree.root, `f${size}`, bytesFile(pattern(size, size)))
  put(tree.root, 'zeros', bytesFile(Buffer.alloc(3 * 1024 * 1024 + 100)))
  for (let i = 0; i < 300; i++) put(tree.root.children!.get('etc')!, `n${i}`, bytesFile(pattern(i * 53, i)))
  const src = join(tmp, 'src')
  await materialize(tree, src)
  const onDisk = await treeFromDir(src)

  const copied = join(tmp, 'copied.erofs')
  const read = join(tmp, 'read.erofs')
  await writeErofs(onDisk, new BasicContentReader(), copied)
  await writeErofs(onDisk, readOnly(), read)
  t.ok((await readFile(copied)).equals(await readFile(read)), 'copyFiles writes what read() delivers')
  t.equal(await sha256(copied), await digestErofs(onDisk, new BasicContentReader()), 'and what digest mode hashes')
  await fsck(copied)
})

t.test('a file that changed since the scan fails the build, naming it', async t => {
  const tmp = await tempDir(t)
  const tree = sampleTree()
  put(tree.root, 'blocks', bytesFile(pattern(24 * 4096, 1))) // full blocks only
  put(tree.root, 'tail', bytesFile(pattern(5000, 2))) // one block and an inline tail
  /** Scans a fresh copy of the tree, applies `change` to it, then builds its image. */
  const build = async (name: string, change: (src: string) => Promise<void>): Promise<unknown> => {
    const src = join(tmp, name)
    await materialize(tree, src)
    const scanned = await treeFromDir(src)
    await change(src)
    return writeErofs(scanned, new BasicContentReader(), join(tmp, `${name}.erofs`))
  }
  await t.rejects(build('a', src => truncate(join(src, 'blocks'), 50_000)), {
    code: 'SIZE_MISMATCH', message: `${join(tmp, 'a', 'blocks')}: file shrank while reading: size mismatch: got 50000, want 98304`,
  }, 'short in its full blocks')
  await t.rejects(build('b', src => truncate(join(src, 'tail'), 4500)), {
    code: 'SIZE_MISMATCH', message: `${join(tmp, 'b', 'tail')}: file shrank while reading: size mismatch: got 4500, want 5000`,
  }, 'short in its inline tail')
  await t.rejects(build('c', src => rm(join(src, 'tail'))), { code: 'ENOENT', syscall: 'open', path: join(tmp, 'c', 'tail') }, 'removed')
})
