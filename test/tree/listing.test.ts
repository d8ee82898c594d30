import t from 'tap'
import type { ContentReader, Deliver } from '../../lib/tree/content.js'
import { BasicContentReader } from '../../lib/tree/content.js'
import { diffListings, escapeListing, listDir, listTree } from '../../lib/tree/listing.js'
import { Inode, Tree, type Content } from '../../lib/tree/node.js'
import { externalListing, makeFixtureDir, tempDir } from '../helpers/fixture-dir.js'

t.test('listDir matches find, stat, sha256sum, readlink and getfattr on a reference tree', async t => {
  const dir = await tempDir(t)
  makeFixtureDir(dir)
  for (const mtime of [false, true]) {
    const want = externalListing(dir, { mtime })
    const got = await listDir(dir, { mtime })
    t.equal(diffListings(want, got), '', `mtime=${mtime}`)
    t.equal(got.length, 31, 'every fixture entry listed')
  }
})

t.test('line format, escaping and hardlink groups', async t => {
  const tree = new Tree()
  const f = new Inode('reg', 0o4755)
  f.content = { kind: 'bytes', data: Buffer.from('hello\n') }
  Object.assign(f, { uid: 1, gid: 2, mtimeSec: 5, mtimeNsec: 42 })
  f.xattrs = new Map([
    ['user.z', Buffer.from([])],
    ['user.a=\xff', Buffer.from([0, 0xff])],
  ])
  const dev = Object.assign(new Inode('chr', 0o600), { rdevMajor: 300, rdevMinor: 70000 })
  const sl = Object.assign(new Inode('symlink', 0o777), { target: 'a b\\\n' })
  const sub = new Inode('dir', 0o700)
  tree.root.children!.set('z\xff', f)
  tree.root.children!.set('sub', sub)
  sub.children!.set('f', f)
  tree.root.children!.set('dev', dev)
  tree.root.children!.set('l', sl)
  t.same(await listTree(tree, new BasicContentReader(), { mtime: true }), [
    '/ dir 0755 0:0 size=- sha256=- target=- rdev=- xattrs=- link=- mtime=0.000000000',
    '/dev chr 0600 0:0 size=- sha256=- target=- rdev=300:70000 xattrs=- link=- mtime=0.000000000',
    '/l symlink 0777 0:0 size=- sha256=- target=a\\x20b\\x5c\\x0a rdev=- xattrs=- link=- mtime=0.000000000',
    '/sub dir 0700 0:0 size=- sha256=- target=- rdev=- xattrs=- link=- mtime=0.000000000',
    // sha256sum of "hello\n"
    '/sub/f reg 4755 1:2 size=6 sha256=5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03 target=- rdev=- ' +
      'xattrs=user.a\\x3d\\xff=00ff;user.z= link=/sub/f mtime=5.000000042',
    '/z\\xff reg 4755 1:2 size=6 sha256=5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03 target=- rdev=- ' +
      'xattrs=user.a\\x3d\\xff=00ff;user.z= link=/sub/f mtime=5.000000042',
  ])
  t.equal(escapeListing('a=b\\c d\x7f\x00~!'), 'a\\x3db\\x5cc\\x20d\\x7f\\x00~!')
})

t.test('hashes stay per file when a reader interleaves chunks', async t => {
  const tree = new Tree()
  const datas = ['abc', 'defgh', '', 'x'.repeat(1000)]
  datas.forEach((d, i) => {
    const f = new Inode('reg', 0o644)
    f.content = { kind: 'bytes', data: Buffer.from(d) }
    tree.root.children!.set(`f${i}`, f)
  })
  const interleaving: ContentReader = {
    async read(requests: readonly Content[], deliver: Deliver) {
      const datas = requests.map(c => (c.kind === 'bytes' ? c.data : new Uint8Array()))
      const longest = Math.max(...datas.map(d => d.length))
      for (let at = 0; at < longest; at++) {
        for (let i = datas.length - 1; i >= 0; i--) if (at < datas[i]!.length) await deliver(i, datas[i]!.subarray(at, at + 1), at)
      }
    },
  }
  t.same(await listTree(tree, interleaving), await listTree(tree, new BasicContentReader()))
})

t.test('diffListings', async t => {
  t.equal(diffListings(['a', 'b'], ['a', 'b']), '')
  t.equal(diffListings(['a', 'b', 'c'], ['a', 'x', 'c']), '-b\n+x')
  t.match(diffListings(['a', 'b'], ['b', 'a']), /different order or count, first at line 1:\n-a\n\+b/)
  t.match(diffListings(['a'], ['a', 'a']), /line 2:\n-\(end\)\n\+a/)
  const many = Array.from({ length: 30 }, (_, i) => `l${i}`)
  t.match(diffListings(many, []), /\(20 more differing lines\)$/)
})
