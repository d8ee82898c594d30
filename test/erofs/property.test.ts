// Random trees -> image -> fsck.erofs, kernel mount and our reader, all compared with the tree.
// Fixed seed and a few dozen runs by default; EROFS_PROPERTY_RUNS (and EROFS_PROPERTY_SEED) for more.

import t, { type Test } from 'tap'
import { join } from 'node:path'
import fc from 'fast-check'
import { BasicContentReader } from '../../lib/tree/content.js'
import { Inode, Tree } from '../../lib/tree/node.js'
import { writeErofs } from '../../lib/erofs/mkfs.js'
import { fsck, listMounted, listReader, listTreeExpected, tempDir, withMount } from './harness.js'
import { CAPABILITY, bytesFile, dir, pattern, put } from './sample-tree.js'

type Desc =
  | { t: 'file'; size: number; seed: number; meta: Meta; xattrs: Array<[string, Uint8Array]> }
  | { t: 'dir'; meta: Meta; xattrs: Array<[string, Uint8Array]>; kids: Array<[string, Desc]> }
  | { t: 'symlink'; target: string; meta: Meta }
  | { t: 'dev'; kind: 'chr' | 'blk'; major: number; minor: number; meta: Meta }
  | { t: 'other'; kind: 'fifo' | 'sock'; meta: Meta }
  | { t: 'hardlink'; ref: number }
interface Meta { mode: number; uid: number; gid: number }

const latin1 = (b: Uint8Array) => Buffer.from(b.map(x => (x === 0 || x === 0x2f ? 0x41 : x))).toString('latin1')
const nameArb = fc
  .oneof(
    { weight: 6, arbitrary: fc.stringMatching(/^[a-z0-9._-]{1,12}$/) },
    { weight: 2, arbitrary: fc.uint8Array({ minLength: 1, maxLength: 255 }).map(latin1) },
    { weight: 1, arbitrary: fc.integer({ min: 200, max: 255 }).map(n => 'L'.repeat(n)) },
  )
  .filter(n => n !== '.' && n !== '..')
const idArb = fc.constantFrom(0, 1, 1000, 65535, 65536, 2 ** 31)
const metaArb = fc.record({ mode: fc.integer({ min: 0, max: 0o7777 }), uid: idArb, gid: idArb })
const sizeArb = fc.oneof(
  fc.constantFrom(0, 1, 4095, 4096, 4097, 8191, 8192, 8193, 4096 - 32, 4096 - 64, 4096 - 76, 3000, 12289),
  fc.integer({ min: 0, max: 20000 }),
)
const xattrArb = fc.array(
  fc.tuple(
    fc.constantFrom('user.a', 'user.b', 'trusted.t', 'security.capability', `user.${'k'.repeat(200)}`),
    fc.oneof(fc.constantFrom(Buffer.from('shared-1'), Buffer.from('shared-2')), fc.uint8Array({ maxLength: 40 }), fc.uint8Array({ minLength: 1000, maxLength: 3000 })),
  ),
  { maxLength: 4 },
)
const descArb = fc.letrec<{ node: Desc; dir: Desc }>(tie => ({
  node: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.record({ t: fc.constant('file' as const), size: sizeArb, seed: fc.nat(), meta: metaArb, xattrs: xattrArb }),
    fc.record({ t: fc.constant('symlink' as const), target: fc.oneof(nameArb, fc.uint8Array({ minLength: 1, maxLength: 4095 }).map(latin1)), meta: metaArb }),
    fc.record({ t: fc.constant('dev' as const), kind: fc.constantFrom('chr' as const, 'blk' as const), major: fc.integer({ min: 0, max: 4095 }), minor: fc.integer({ min: 0, max: 0xfffff }), meta: metaArb }),
    fc.record({ t: fc.constant('other' as const), kind: fc.constantFrom('fifo' as const, 'sock' as const), meta: metaArb }),
    fc.record({ t: fc.constant('hardlink' as const), ref: fc.nat() }),
    tie('dir'),
  ),
  dir: fc.record({
    t: fc.constant('dir' as const),
    meta: metaArb,
    xattrs: xattrArb,
    kids: fc.uniqueArray(fc.tuple(nameArb, tie('node')), { selector: k => k[0], maxLength: 10 }),
  }),
}))
const chainArb = fc.integer({ min: 0, max: 80 })

function build(root: Desc, chain: number): Tree {
  const files: Inode[] = []
  const links: Array<[Inode, string, number]> = []
  const make = (d: Desc, parent: Inode | null, name: string): void => {
    let n: Inode
    switch (d.t) {
      case 'hardlink':
        links.push([parent!, name, d.ref])
        return
      case 'file':
        n = bytesFile(pattern(d.size, d.seed))
        files.push(n)
        break
      case 'dir':
        n = dir()
        break
      case 'symlink':
        n = Object.assign(new Inode('symlink', 0o777), { target: d.target })
        break
      case 'dev':
        n = Object.assign(new Inode(d.kind, 0), { rdevMajor: d.major, rdevMinor: d.minor })
        break
      case 'other':
        n = new Inode(d.kind, 0)
    }
    Object.assign(n, { mode: d.t === 'symlink' ? 0o777 : d.meta.mode, uid: d.meta.uid, gid: d.meta.gid })
    if ((d.t === 'file' || d.t === 'dir') && d.xattrs.length > 0) {
      n.xattrs = new Map(d.xattrs.map(([k, v]) => [k, k === 'security.capability' ? CAPABILITY : v]))
    }
    if (parent) put(parent, name, n)
    if (d.t === 'dir') for (const [kidName, kid] of d.kids) make(kid, n, kidName)
    if (!parent) tree = new Tree(n)
  }
  let tree = new Tree()
  make(root, null, '')
  for (const [parent, name, ref] of links) put(parent, name, files.length > 0 ? files[ref % files.length]! : bytesFile('lonely'))
  let deep = tree.root
  for (let i = 0; i < chain; i++) deep = put(deep, `d${i}`, dir(0o700))
  return tree
}

async function checkTree(t: Test, tmp: string, tree: Tree, label: string): Promise<boolean> {
  const img = join(tmp, `${label}.erofs`)
  await writeErofs(tree, new BasicContentReader(), img)
  await fsck(img)
  const expected = await listTreeExpected(tree)
  const mounted = await withMount(img, listMounted)
  const read = await listReader(img)
  // report only the differing lines: a full diff of thousands of long lines is too slow
  const diff = (got: string[]) => {
    const g = new Set(got)
    const e = new Set(expected)
    return { missing: expected.filter(x => !g.has(x)).slice(0, 5), extra: got.filter(x => !e.has(x)).slice(0, 5), order: got.join('\n') === expected.join('\n') }
  }
  const ok = mounted.join('\n') === expected.join('\n') && read.join('\n') === expected.join('\n')
  if (!ok) t.fail(`${label}: listings differ`, { mounted: diff(mounted), reader: diff(read) })
  return ok
}

t.test('random trees: fsck, mount and reader agree with the tree', async t => {
  const tmp = await tempDir(t)
  const runs = Number(process.env.EROFS_PROPERTY_RUNS ?? 30)
  const seed = Number(process.env.EROFS_PROPERTY_SEED ?? 424242)
  let n = 0
  await fc.assert(
    fc.asyncProperty(descArb.dir, chainArb, async (desc, chain) => checkTree(t, tmp, build(desc, chain), `run-${n++}`)),
    { seed, numRuns: runs, endOnFailure: true },
  )
  t.pass(`${runs} random trees`)
})

t.test('a directory of 10000 entries with names of 1..255 bytes', async t => {
  const tmp = await tempDir(t)
  const tree = new Tree(dir())
  const wide = put(tree.root, 'wide', dir())
  for (let i = 0; i < 10000; i++) {
    const name = `${i}`.padEnd(1 + ((i * 7919) % 255), String.fromCharCode(0x80 + (i % 100)))
    put(wide, name, i % 10 === 0 ? bytesFile(pattern(i % 5000, i)) : new Inode('fifo', 0o644))
  }
  t.ok(await checkTree(t, tmp, tree, 'wide'), 'wide directory matches')
})
