import t from 'tap'
import { execFileSync } from 'node:child_process'
import { lstatSync, mkdirSync, readdirSync, readlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { lstatEntry, scanTree, type ScannedEntry } from '../../lib/native.js'
import { makeFixtureDir, tempDir } from '../helpers/fixture-dir.js'

const SLASH = Buffer.from('/')

/** What Node's bigint lstat (and readlink) report for `path`, in ScannedEntry's terms. */
function nodeView(path: Buffer): Omit<ScannedEntry, 'path' | 'name' | 'xattrs' | 'rdevMajor' | 'rdevMinor'> {
  const st = lstatSync(path, { bigint: true })
  const ns = 1_000_000_000n
  const nsec = ((st.mtimeNs % ns) + ns) % ns
  return {
    mode: Number(st.mode),
    uid: Number(st.uid),
    gid: Number(st.gid),
    size: Number(st.size),
    nlink: Number(st.nlink),
    mtimeSec: Number((st.mtimeNs - nsec) / ns),
    mtimeNsec: Number(nsec),
    linkId: !st.isDirectory() && st.nlink > 1n ? `${st.dev}:${st.ino}` : null,
    target: st.isSymbolicLink() ? readlinkSync(path, { encoding: 'buffer' }).toString('latin1') : null,
  }
}

/** getfattr's xattrs of `path` (ASCII paths only) as "name=hex" lines, names unescaped to byte strings. */
function getfattr(path: string): string[] {
  const out = execFileSync('getfattr', ['-h', '-d', '-m', '-', '-e', 'hex', '--absolute-names', '--', path], { encoding: 'latin1' })
  return out
    .split('\n')
    .filter(l => l !== '' && !l.startsWith('#'))
    .map(l => l.replace(/\\(\d{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8))).replace('=0x', '='))
    .sort()
}

function xattrLines(e: ScannedEntry): string[] {
  return (e.xattrs ?? []).map(([n, v]) => `${n}=${v.toString('hex')}`).sort()
}

t.test('scanTree lists every directory breadth-first, each entry as lstat, readlink, stat(1) and getfattr report it', async t => {
  const dir = await tempDir(t)
  makeFixtureDir(dir)
  const listings = [...scanTree(dir)]
  const dirs = [Buffer.from(dir)] // the order the listings must come in: root, then each listing's subdirectories
  let seen = 0
  listings.forEach((entries, i) => {
    const path = dirs[i]!
    const want = readdirSync(path, { encoding: 'buffer' }).map(n => n.toString('latin1'))
    t.same(entries.map(e => e.name).sort(), want.sort(), `names of ${path}`)
    for (const e of entries) {
      const full = Buffer.concat([path, SLASH, Buffer.from(e.name, 'latin1')])
      const { path: own, name, xattrs, rdevMajor, rdevMinor, ...numbers } = e
      t.ok(own.equals(full), `path of ${full}`)
      t.same(numbers, nodeView(full), `lstat of ${full}`)
      if (/^[\x20-\x7e]*$/.test(full.toString('latin1'))) t.same(xattrLines(e), getfattr(full.toString()), `xattrs of ${full}`)
      seen++
      if ((e.mode & 0o170000) === 0o040000) dirs.push(full)
    }
  })
  t.equal(listings.length, dirs.length, 'one listing per directory')
  t.equal(seen, 30, 'every fixture entry but the root')

  const stat = (p: string): number[] => execFileSync('stat', ['--printf', '%Hr %Lr', join(dir, p)], { encoding: 'utf8' }).split(' ').map(Number)
  const byName = new Map(listings[0]!.map(e => [e.name, e]))
  for (const dev of ['null', 'bigdev', 'loop']) t.same([byName.get(dev)!.rdevMajor, byName.get(dev)!.rdevMinor], stat(dev), `rdev of ${dev}`)
  const hard = listings.flat().find(e => e.path.toString() === join(dir, 'dir', 'hard'))!
  t.equal(byName.get('file')!.linkId, hard.linkId, 'hardlinks share a link id')
  t.equal(byName.get('cap')!.xattrs![0]![1].toString('hex'), '0100000200040000000000000000000000000000', 'binary security.capability')
  t.equal(byName.get('empty')!.mtimeSec, -2, 'before 1970: floor seconds')
  t.equal(byName.get('empty')!.mtimeNsec, 750_000_000)
})

t.test('leaving a scan early stops its thread', async t => {
  const dir = await tempDir(t)
  makeFixtureDir(dir)
  const threads = (): number => readdirSync('/proc/self/task').length
  const before = threads()
  for (const listing of scanTree(dir)) {
    t.ok(listing.length > 0)
    break
  }
  t.equal(threads(), before, 'no thread left behind')
  t.equal([...scanTree(dir)].length, 6, 'and the next scan is whole')
})

t.test('lstatEntry reports the path itself', async t => {
  const dir = await tempDir(t)
  makeFixtureDir(dir)
  const root = lstatEntry(dir)
  const { path, name, xattrs, rdevMajor, rdevMinor, ...numbers } = root
  t.same(numbers, nodeView(Buffer.from(dir)))
  t.equal(path.toString(), dir)
  t.equal(name.length, 0)
  t.same(xattrLines(root), getfattr(dir))
  t.equal(lstatEntry(join(dir, 'sl3')).target, '\xffbad', 'a symlink itself, not its target (raw bytes)')
})

t.test('errors are the ones Node fs throws, naming the path', async t => {
  const dir = await tempDir(t)
  const missing = join(dir, 'missing')
  const file = join(dir, 'file')
  writeFileSync(file, 'x')
  const nodeError = (fn: () => unknown): NodeJS.ErrnoException => {
    try {
      fn()
    } catch (err) {
      return err as NodeJS.ErrnoException
    }
    throw new Error('expected an error')
  }
  for (const [ours, theirs] of [
    [() => [...scanTree(missing)], () => readdirSync(missing)],
    [() => [...scanTree(file)], () => readdirSync(file)],
    [() => lstatEntry(missing), () => lstatSync(missing)],
  ] as const) {
    const want = nodeError(theirs)
    t.throws(ours, { message: want.message, code: want.code, syscall: want.syscall, path: want.path, errno: want.errno })
  }
  t.throws(() => [...scanTree(Buffer.from(`${dir}\0x`))], TypeError)
})

t.test('an entry that fails names itself, not its directory', async t => {
  const dir = await tempDir(t)
  // a directory path just under PATH_MAX: its entries' full paths (which the xattr calls take) are over
  let deep = dir
  while (deep.length < 3800) deep = join(deep, 'd'.repeat(200))
  mkdirSync(deep, { recursive: true })
  const name = 'f'.repeat(255)
  execFileSync('bash', ['-c', 'cd "$1" && touch "$2" && setfattr -n user.a -v 1 "$2"', 'sh', deep, name])
  const full = join(deep, name)
  try {
    // listxattrat (Linux 6.13) reaches it relative to its directory; reading the value still fails
    t.throws(() => [...scanTree(deep)], { code: 'ENAMETOOLONG', syscall: /^l(list|get)xattr$/, path: full })
  } finally {
    execFileSync('bash', ['-c', 'cd "$1" && rm "$2"', 'sh', deep, name]) // fs.rm cannot reach it
  }
})
