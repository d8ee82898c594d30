import t from 'tap'
import { execFileSync } from 'node:child_process'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { treeFromDir } from '../../lib/tree/from-dir.js'
import { walk, type Inode } from '../../lib/tree/node.js'
import { makeFixtureDir, tempDir } from '../helpers/fixture-dir.js'

/** `stat --printf` of one fixture path (ASCII names only), split on '|'. */
function stat(dir: string, path: string, format: string): string[] {
  return execFileSync('stat', ['--printf', format, join(dir, path)], { encoding: 'latin1' }).split('|')
}

function child(node: Inode, path: string): Inode {
  let n = node
  for (const name of path.split('/')) n = n.children!.get(name)!
  return n
}

t.test('reads kinds, metadata, hardlinks and contents like stat and getfattr report them', async t => {
  const dir = await tempDir(t)
  makeFixtureDir(dir)
  const tree = await treeFromDir(dir)
  const root = tree.root

  t.equal(child(root, 'file'), child(root, 'dir/hard'), 'hardlinks share one Inode')
  t.equal(child(root, 'file'), child(root, 'a-b/hard2'))
  t.equal(child(root, 'sl'), child(root, 'slhard'), 'hardlinked symlinks too')
  t.not(child(root, 'dir/sub/c'), child(root, 'cap'), 'same content is not a hardlink')

  const names = [...walk(tree)].map(([p]) => p)
  t.ok(names.includes('\xff\xfe-latin'), 'non-UTF-8 name kept as bytes')
  t.ok(names.includes('new\nline'))

  const [mode, uid, gid, secs, nsecs] = stat(dir, 'owned', '%a|%u|%g|%Y|%.9Y')
  const owned = child(root, 'owned')
  t.same([owned.kind, owned.mode.toString(8), owned.uid, owned.gid], ['reg', mode, Number(uid), Number(gid)])
  t.equal(owned.mtimeSec, Number(secs))
  t.equal(owned.mtimeNsec, Number(nsecs!.split('.')[1]))
  t.equal(root.mode.toString(8), stat(dir, '.', '%a')[0], "the root's own metadata")
  t.same(root.xattrs, new Map([['user.root', Buffer.from('r')]]))

  const [major, minor] = stat(dir, 'bigdev', '%Hr|%Lr').map(Number)
  t.same([child(root, 'bigdev').rdevMajor, child(root, 'bigdev').rdevMinor], [major, minor])
  t.same([child(root, 'loop').kind, child(root, 'fifo').kind, child(root, 'sock').kind], ['blk', 'fifo', 'sock'])

  const link = child(root, 'sl3')
  t.equal(link.kind, 'symlink')
  t.equal(link.target, execFileSync('readlink', [join(dir, 'sl3')]).toString('latin1').slice(0, -1))
  t.equal(child(root, 'sl').xattrs?.get('trusted.sl')?.toString(), '\x01', 'xattrs of the link, not its target')

  const big = child(root, 'big')
  t.same(big.content, { kind: 'file', path: Buffer.from(join(dir, 'big')), size: Number(stat(dir, 'big', '%s')[0]) })
  t.equal(Buffer.from(big.xattrs!.get('user.big')!).toString('hex'), 'ab'.repeat(3000))
  t.equal(Buffer.from(child(root, 'cap').xattrs!.get('security.capability')!).toString('hex'), '0100000200040000000000000000000000000000')
  t.equal(child(root, 'binary').xattrs!.get('user.empty')!.length, 0, 'empty xattr values are kept')
  t.equal(child(root, 'empty').mtimeSec, -2, 'times before 1970 floor to whole seconds')
  t.equal(child(root, 'empty').mtimeNsec, 750_000_000)
})

t.test('refuses a path that is not a directory', async t => {
  const dir = await tempDir(t)
  await writeFile(join(dir, 'f'), 'x')
  await t.rejects(treeFromDir(join(dir, 'f')), { code: 'USAGE' })
  await t.rejects(treeFromDir(join(dir, 'missing')), { code: 'ENOENT' })
})
