import t from 'tap'
import { execFileSync } from 'node:child_process'
import { chmod, chown, mkdir, readdir, writeFile } from 'node:fs/promises'
import { readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { BasicContentReader, type ContentReader, type Deliver } from '../../lib/tree/content.js'
import { treeFromDir } from '../../lib/tree/from-dir.js'
import { diffListings, listDir, listTree } from '../../lib/tree/listing.js'
import { Inode, Tree, type Content } from '../../lib/tree/node.js'
import { writeTreeToDir } from '../../lib/tree/to-dir.js'
import { externalListing, makeFixtureDir, tempDir } from '../helpers/fixture-dir.js'
import { CAP_NET_BIND_SERVICE, sampleTree } from '../helpers/sample-tree.js'

const NOBODY = 65534

/** Delivers each `bytes` content in 16 chunks, round-robin over all files, so every file interleaves. */
const interleaving: ContentReader = {
  async read(requests: readonly Content[], deliver: Deliver) {
    const datas = requests.map(c => (c.kind === 'bytes' ? c.data : new Uint8Array()))
    for (let part = 0; part < 16; part++) {
      for (const [i, data] of datas.entries()) {
        const step = Math.ceil(data.length / 16)
        const chunk = data.slice(part * step, (part + 1) * step)
        if (chunk.length > 0) await deliver(i, chunk, part * step)
      }
    }
  },
}

function getfattr(path: string): string {
  return execFileSync('getfattr', ['-h', '-d', '-m', '-', '-e', 'hex', '--absolute-names', path], { encoding: 'latin1' })
}

t.test('a directory copied through the tree is identical for find, stat, sha256sum and getfattr', async t => {
  const base = await tempDir(t)
  const src = join(base, 'src')
  const out = join(base, 'out')
  await mkdir(src)
  makeFixtureDir(src)
  const warnings: string[] = []
  await writeTreeToDir(await treeFromDir(src), new BasicContentReader(), out, { onWarning: w => warnings.push(w) })
  t.same(warnings, [])
  t.equal(diffListings(externalListing(src, { mtime: true }), externalListing(out, { mtime: true })), '')
})

t.test('an in-memory tree lands on disk exactly, whatever the delivery order', async t => {
  const out = join(await tempDir(t), 'out')
  const tree = sampleTree()
  await writeTreeToDir(tree, interleaving, out)
  const want = await listTree(tree, new BasicContentReader(), { mtime: true })
  t.equal(diffListings(want, await listDir(out, { mtime: true })), '')
  t.equal(diffListings(want, externalListing(out, { mtime: true })), '', 'outside tools agree')

  t.equal(statSync(join(out, 'etc/shared')).ino, statSync(Buffer.from(join(out, 'etc/link\xff\xfe'), 'latin1')).ino, 'hardlink')
  t.equal(execFileSync('stat', ['-c', '%a %u:%g', join(out, 'bin/own')], { encoding: 'utf8' }), '6750 1234:5678\n', 'setuid survives chown')
  t.match(getfattr(join(out, 'bin/ping')), `security.capability=0x${CAP_NET_BIND_SERVICE.toString('hex')}`)
  t.match(getfattr(join(out, 'weird')), 'trusted.t=0x01', 'xattr set on the symlink itself')
  t.equal(execFileSync('stat', ['-c', '%F %Hr:%Lr', join(out, 'dev/huge')], { encoding: 'utf8' }), 'character special file 300:70000\n')
})

t.test('keeps the number of open files bounded while contents interleave', async t => {
  const out = join(await tempDir(t), 'out')
  const tree = new Tree()
  for (let i = 0; i < 300; i++) {
    const f = new Inode('reg', 0o644)
    f.content = { kind: 'bytes', data: Buffer.from(`file ${i} `.repeat(3)) }
    tree.root.children!.set(`f${i}`, f)
  }
  const fds = () => readdirSync('/proc/self/fd').length
  const before = fds()
  let most = 0
  const counting: ContentReader = {
    read: (requests, deliver) =>
      interleaving.read(requests, async (i, chunk, at) => {
        await deliver(i, chunk, at)
        most = Math.max(most, fds() - before)
      }),
  }
  await writeTreeToDir(tree, counting, out)
  t.ok(most > 0 && most <= 64, `at most 64 files open at once (saw ${most})`)
  t.equal(diffListings(await listTree(tree, new BasicContentReader()), await listDir(out)), '')
})

t.test('refuses a target that is not an empty directory', async t => {
  const base = await tempDir(t)
  await writeFile(join(base, 'file'), 'x')
  await t.rejects(writeTreeToDir(sampleTree(), new BasicContentReader(), base), { code: 'USAGE', message: /not empty/ })
  await t.rejects(writeTreeToDir(sampleTree(), new BasicContentReader(), join(base, 'file')), { code: 'USAGE' })
  t.same(await readdir(base), ['file'])
})

t.test('refuses unsafe names before writing anything', async t => {
  for (const name of ['..', '.', '', 'a/b', '../../escape', 'nul\0']) {
    const base = await tempDir(t)
    const tree = new Tree()
    const sub = new Inode('dir', 0o755)
    tree.root.children!.set('a', new Inode('reg', 0o644))
    tree.root.children!.set('sub', sub)
    sub.children!.set(name, new Inode('reg', 0o644))
    await t.rejects(writeTreeToDir(tree, new BasicContentReader(), join(base, 'target')), { code: 'UNSAFE_PATH' }, JSON.stringify(name))
    t.same(await readdir(base), [], 'nothing written, not even the target')
  }
  const cyclic = new Tree()
  cyclic.root.children!.set('loop', cyclic.root)
  await t.rejects(writeTreeToDir(cyclic, new BasicContentReader(), join(await tempDir(t), 't')), { code: 'FORMAT' })
})

t.test('content that does not match its declared size is an error', async t => {
  const tree = new Tree()
  const f = new Inode('reg', 0o644)
  f.content = { kind: 'layer', layer: 0, offset: 0, size: 4 }
  tree.root.children!.set('f', f)
  const short: ContentReader = { read: async (_, deliver) => void (await deliver(0, Buffer.from('abc'), 0)) }
  const long: ContentReader = { read: async (_, deliver) => void (await deliver(0, Buffer.from('abcde'), 0)) }
  await t.rejects(writeTreeToDir(tree, short, join(await tempDir(t), 'o')), { code: 'SIZE_MISMATCH', message: /got 3, want 4/ })
  await t.rejects(writeTreeToDir(tree, long, join(await tempDir(t), 'o')), { code: 'SIZE_MISMATCH', message: /got 5, want 4/ })
})

t.test('rootless: as nobody it warns once per kind and writes what it can', async t => {
  const base = await tempDir(t)
  await chmod(base, 0o755)
  const out = join(base, 'out')
  await mkdir(out)
  await chown(out, NOBODY, NOBODY)
  const scratch = join(base, 'scratch')
  await mkdir(scratch)
  await chown(scratch, NOBODY, NOBODY)
  const stdout = execFileSync(
    'setpriv',
    [`--reuid=${NOBODY}`, `--regid=${NOBODY}`, '--clear-groups', process.execPath, '--import', '@tapjs/typescript/import', 'test/helpers/write-sample-tree.ts', out],
    // tap's loader records process info under _TAPJS_PROCESSINFO_CWD_/.tap: give nobody a place it may write.
    { cwd: join(import.meta.dirname, '../..'), env: { PATH: process.env.PATH, TS_NODE_TRANSPILE_ONLY: '1', HOME: scratch, _TAPJS_PROCESSINFO_CWD_: scratch }, encoding: 'utf8' },
  )
  const warnings = JSON.parse(stdout) as string[]
  t.equal(warnings.length, 3, warnings.join('\n'))
  t.match(warnings.join('\n'), /ownership not restored \(not running as root\) for \d+ entries/)
  t.match(warnings.join('\n'), /device nodes not created for 3 entries \(first: "\/dev\/huge": EPERM\)/)
  t.match(warnings.join('\n'), /xattrs not set for 3 entries \(first: "\/bin\/ping" "security.capability": EPERM\)/)

  // The closest possible result: the sample's listing with our owner, no devices, only user.* xattrs.
  const want = (await listTree(sampleTree(), new BasicContentReader(), { mtime: true }))
    .filter(l => !/ (chr|blk) /.test(l))
    .map(l => l.replace(/ \d+:\d+ size=/, ` ${NOBODY}:${NOBODY} size=`))
    .map(l => l.replace(/(security|trusted)\.[^ ;]*=[0-9a-f]*;?/g, '').replace(/;? link=/, ' link=').replace('xattrs= ', 'xattrs=- '))
  t.equal(diffListings(want, await listDir(out, { mtime: true })), '')
})

t.test('a path too long for the kernel fails with one short line that keeps its start and end', async t => {
  const base = await tempDir(t)
  const tree = new Tree()
  let dir = tree.root
  for (let i = 0; i < 3000; i++) {
    const sub = new Inode('dir', 0o755)
    dir.children!.set('abc', sub)
    dir = sub
  }
  dir.children!.set('deepest', new Inode('reg', 0o644))
  const err = await writeTreeToDir(tree, new BasicContentReader(), join(base, 'out')).then(() => null, (e: Error) => e)
  t.match(err, { code: 'IO', message: /^writing "\/abc\/abc\/.*\.\.\..*\/abc\/abc\/abc": mkdir: ENAMETOOLONG$/ })
  t.ok(err!.message.length < 250, `${err!.message.length} characters`)
})
