// Determinism: the image depends on the tree only (not insertion order, not delivery order), and
// digest mode equals sha256 of the written file for any window size.

import t from 'tap'
import { createHash } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { ContentReader, Deliver } from '../../lib/tree/content.js'
import { BasicContentReader } from '../../lib/tree/content.js'
import { Inode, Tree, type Content } from '../../lib/tree/node.js'
import { digestErofs, writeErofs } from '../../lib/erofs/mkfs.js'
import { tempDir } from './harness.js'
import { bytesFile, dir, pattern, put, sampleTree } from './sample-tree.js'

/** The same tree built with every child map and xattr map filled in reverse order. */
function reversedCopy(tree: Tree): Tree {
  const copies = new Map<Inode, Inode>()
  const copy = (n: Inode): Inode => {
    const seen = copies.get(n)
    if (seen) return seen
    const c = Object.assign(new Inode(n.kind, n.mode), { ...n, children: n.children && new Map(), xattrs: n.xattrs && new Map([...n.xattrs].reverse()) })
    copies.set(n, c)
    if (n.children) for (const [name, child] of [...n.children].reverse()) c.children!.set(name, copy(child))
    return c
  }
  return new Tree(copy(tree.root))
}

/** Delivers contents last-first, interleaving 1000-byte chunks of different contents. */
class ShufflingReader implements ContentReader {
  async read(requests: readonly Content[], deliver: Deliver): Promise<void> {
    const data = await Promise.all(requests.map(async c => (c.kind === 'bytes' ? c.data : c.kind === 'file' ? await readFile(c.path) : new Uint8Array())))
    const maxLen = Math.max(0, ...data.map(d => d.length))
    for (let at = 0; at < maxLen; at += 1000) {
      for (let i = requests.length - 1; i >= 0; i--) {
        const d = data[i]!
        if (at < d.length) await deliver(i, Uint8Array.from(d.subarray(at, at + 1000)), at)
      }
    }
  }
}

const sha256 = (b: Uint8Array) => `sha256:${createHash('sha256').update(b).digest('hex')}`

t.test('insertion order and delivery order do not change the image', async t => {
  const tmp = await tempDir(t)
  const a = join(tmp, 'a.erofs')
  const b = join(tmp, 'b.erofs')
  await writeErofs(sampleTree(), new BasicContentReader(), a)
  await writeErofs(reversedCopy(sampleTree()), new ShufflingReader(), b)
  t.ok((await readFile(a)).equals(await readFile(b)), 'byte-identical images')
})

t.test('digestErofs equals sha256 of the written file, for any window', async t => {
  const tmp = await tempDir(t)
  const img = join(tmp, 'd.erofs')
  const tree = sampleTree()
  await writeErofs(tree, new BasicContentReader(), img, { preserveMtime: true })
  const want = sha256(await readFile(img))
  t.equal(await digestErofs(tree, new BasicContentReader(), { preserveMtime: true }), want, 'default window')
  for (const windowBytes of [4096, 8192, 3 * 4096]) {
    t.equal(await digestErofs(tree, new ShufflingReader(), { preserveMtime: true, windowBytes }), want, `window ${windowBytes}`)
  }
  await t.rejects(digestErofs(tree, new BasicContentReader(), { windowBytes: 1000 }), { code: 'USAGE' })
})

t.test('an image slightly larger than the window takes one reader pass, larger ones one per window', async t => {
  const tmp = await tempDir(t)
  const img = join(tmp, 'w.erofs')
  const tree = sampleTree()
  const { bytes } = await writeErofs(tree, new BasicContentReader(), img)
  const want = sha256(await readFile(img))
  const passes = async (windowBytes: number): Promise<number> => {
    let n = 0
    const inner = new BasicContentReader()
    const counting: ContentReader = { read: (reqs, deliver) => (n++, inner.read(reqs, deliver)) }
    t.equal(await digestErofs(tree, counting, { windowBytes }), want, `window ${windowBytes}`)
    return n
  }
  const blocks = bytes / 4096
  t.ok(blocks >= 8, `the sample image has ${blocks} blocks`)
  t.equal(await passes(Math.ceil(blocks * 0.95) * 4096), 1, 'image 5% above the window: one pass')
  t.equal(await passes(Math.floor(blocks / 2) * 4096), Math.ceil(blocks / Math.floor(blocks / 2)), 'otherwise one pass per window')
})

t.test('a reader that delivers too little is caught', async t => {
  const tree = new Tree(dir())
  put(tree.root, 'f', bytesFile(pattern(10000, 1)))
  const short: ContentReader = { read: async (reqs, deliver) => void (await deliver(0, new Uint8Array(10), 0)) }
  await t.rejects(digestErofs(tree, short), { code: 'SIZE_MISMATCH' })
})

t.test('pinned digest of a small canonical tree', async t => {
  const tree = new Tree(dir())
  const etc = put(tree.root, 'etc', dir())
  put(etc, 'hostname', bytesFile('bootc-live\n'))
  put(etc, 'big', bytesFile(pattern(9000, 7), 0o600)).xattrs = new Map([['user.k', Buffer.from('v')]])
  put(tree.root, 'link', Object.assign(new Inode('symlink', 0o777), { target: 'etc/hostname' }))
  // Update only if the change of image bytes is intentional (layout or format change), and say so.
  t.equal(await digestErofs(tree, new BasicContentReader()), 'sha256:d5922b9af531826004ea61d558f10bc2276c72089531ed3dff5687eac0298737')
})
