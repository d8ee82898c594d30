// Test support for the erofs tests (not a test itself): temporary dirs, fsck, loop mounts, and one
// canonical listing made three ways (expected tree, kernel mount, our reader) so they can be compared.
// A local stand-in until lib/tree/listing.ts and a native lgetxattr exist: xattrs of the mount come
// from getfattr (one recursive call) instead.

import { execFile } from 'node:child_process'
import { createHash } from 'node:crypto'
import { chmod, lchown, link, lstat, lutimes, mkdir, mkdtemp, readFile, readdir, readlink, rm, symlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { Buffer } from 'node:buffer'
import type { Inode, Kind, Tree } from '../../lib/tree/node.js'
import { linkCounts, sortedChildren } from '../../lib/tree/node.js'
import { decodeRdev } from '../../lib/erofs/format.js'
import { openErofsFile } from '../../lib/erofs/reader.js'
export { fsck, withMount } from '../helpers/erofs.js'

const run = promisify(execFile)

export async function tempDir(t: { teardown(fn: () => unknown): void }): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'erofs-test-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  return dir
}

interface Entry {
  path: string
  kind: Kind
  mode: number
  uid: number
  gid: number
  nlink: number
  mtime: number
  size: number | null
  sha: string | null
  target: string | null
  rdev: string | null
  xattrs: string
  /** Identity of the inode, to group hardlinks. */
  id: unknown
}

function lines(entries: Entry[], withMtime: boolean): string[] {
  const first = new Map<unknown, string>()
  return entries.map(e => {
    if (e.kind !== 'dir' && !first.has(e.id)) first.set(e.id, e.path)
    const group = e.kind !== 'dir' && first.get(e.id) !== e.path ? ` link=${JSON.stringify(first.get(e.id))}` : ''
    const parts = [JSON.stringify(e.path), e.kind, e.mode.toString(8), `${e.uid}:${e.gid}`, `nlink=${e.nlink}`]
    if (withMtime) parts.push(`mtime=${e.mtime}`)
    if (e.size !== null) parts.push(`size=${e.size}`)
    if (e.sha) parts.push(`sha=${e.sha}`)
    if (e.target !== null) parts.push(`target=${JSON.stringify(e.target)}`)
    if (e.rdev) parts.push(`rdev=${e.rdev}`)
    if (e.xattrs) parts.push(`xattrs=${e.xattrs}`)
    return parts.join(' ') + group
  })
}

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex').slice(0, 16)

function xattrText(m: Map<string, Uint8Array>): string {
  return [...m].sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, v]) => `${k}=0x${Buffer.from(v).toString('hex')}`).join(',')
}

/** The listing a tree should produce (contents read from 'bytes' or 'file'). */
export async function listTreeExpected(tree: Tree, opts: { withMtime?: boolean; allRoot?: boolean } = {}): Promise<string[]> {
  const counts = linkCounts(tree)
  const out: Entry[] = []
  const visit = async (path: string, node: Inode): Promise<void> => {
    let data: Uint8Array | null = null
    if (node.kind === 'reg') {
      const c = node.content!
      data = c.kind === 'bytes' ? c.data : c.kind === 'file' ? await readFile(c.path) : null
    }
    out.push({
      path: path || '/', kind: node.kind, mode: node.mode,
      uid: opts.allRoot ? 0 : node.uid, gid: opts.allRoot ? 0 : node.gid, nlink: counts.get(node)!,
      mtime: opts.withMtime ? node.mtimeSec : 0, size: node.kind === 'reg' ? node.size : null,
      sha: data ? sha(data) : null, target: node.target, id: node,
      rdev: node.kind === 'chr' || node.kind === 'blk' ? `${node.rdevMajor}:${node.rdevMinor}` : null,
      xattrs: node.xattrs ? xattrText(node.xattrs) : '',
    })
    if (node.kind === 'dir') for (const [name, child] of sortedChildren(node)) await visit(`${path}/${name}`, child)
  }
  await visit('', tree.root)
  return lines(out, opts.withMtime ?? false)
}

/** The listing of a mounted (or any) directory: lstat, contents, getfattr. */
export async function listMounted(root: string, opts: { withMtime?: boolean } = {}): Promise<string[]> {
  const xattrs = await getfattrAll(root)
  const out: Entry[] = []
  const visit = async (rel: string, abs: Buffer): Promise<void> => {
    const st = await lstat(abs)
    const kind = kindOf(st.mode)
    out.push({
      path: rel || '/', kind, mode: st.mode & 0o7777, uid: st.uid, gid: st.gid, nlink: st.nlink,
      mtime: opts.withMtime ? Math.floor(st.mtimeMs / 1000) : 0, size: kind === 'reg' ? st.size : null,
      sha: kind === 'reg' ? sha(await readFile(abs)) : null,
      target: kind === 'symlink' ? (await readlink(abs, { encoding: 'buffer' })).toString('latin1') : null,
      rdev: kind === 'chr' || kind === 'blk' ? `${Math.floor(st.rdev / 256) & 0xfff}:${(st.rdev & 0xff) | ((st.rdev >> 12) & 0xfff00)}` : null,
      xattrs: xattrs.get(rel || '/') ?? '', id: st.ino,
    })
    if (kind !== 'dir') return
    const names = (await readdir(abs, { encoding: 'buffer' })).map(n => n.toString('latin1')).sort()
    for (const name of names) await visit(`${rel}/${name}`, Buffer.concat([abs, Buffer.from('/'), Buffer.from(name, 'latin1')]))
  }
  await visit('', Buffer.from(root))
  return lines(out, opts.withMtime ?? false)
}

function kindOf(mode: number): Kind {
  const kinds: Record<number, Kind> = { 0o100000: 'reg', 0o040000: 'dir', 0o120000: 'symlink', 0o020000: 'chr', 0o060000: 'blk', 0o010000: 'fifo', 0o140000: 'sock' }
  return kinds[mode & 0o170000]!
}

/** All xattrs below root via one recursive getfattr; paths relative ("/a/b"), "/" for root. */
async function getfattrAll(root: string): Promise<Map<string, string>> {
  const { stdout } = await run('getfattr', ['-R', '-P', '-h', '-d', '-m', '-', '-e', 'hex', '.'], { cwd: root, encoding: 'buffer', maxBuffer: 256 << 20 })
  const out = new Map<string, string>()
  for (const block of stdout.toString('latin1').split('\n\n')) {
    const [head, ...rest] = block.split('\n').filter(l => l !== '')
    if (!head?.startsWith('# file: ')) continue
    const name = unescape(head.slice('# file: '.length))
    const rel = name === '.' ? '/' : `/${name.startsWith('./') ? name.slice(2) : name}`
    const map = new Map(rest.map(l => {
      const eq = l.indexOf('=')
      return [unescape(l.slice(0, eq)), Buffer.from(l.slice(eq + 3), 'hex')] as [string, Uint8Array]
    }))
    out.set(rel, xattrText(map))
  }
  return out
}

/** getfattr's quoting: backslash plus three octal digits. */
function unescape(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)))
}

/**
 * Creates `tree` on disk under `root` (for mkfs.erofs): contents, symlinks, hardlinks, devices, fifos,
 * owners, modes, xattrs (setfattr: names of xattr-carrying paths must be UTF-8) and mtimes.
 */
export async function materialize(tree: Tree, root: string): Promise<void> {
  const firstPath = new Map<Inode, Buffer>()
  const dirs: Array<[Buffer, Inode]> = []
  const visit = async (p: Buffer, node: Inode): Promise<void> => {
    const seen = firstPath.get(node)
    if (seen) return void (await link(seen, p))
    firstPath.set(node, p)
    const ps = p.toString('latin1')
    switch (node.kind) {
      case 'dir':
        await mkdir(p, { recursive: true })
        for (const [name, child] of sortedChildren(node)) await visit(Buffer.concat([p, Buffer.from('/' + name, 'latin1')]), child)
        dirs.push([p, node])
        return
      case 'reg':
        await writeFile(p, node.content!.kind === 'bytes' ? node.content!.data : await readFile((node.content as { path: Buffer }).path))
        break
      case 'symlink':
        await symlink(Buffer.from(node.target!, 'latin1'), p)
        break
      case 'chr':
      case 'blk':
        await run('mknod', [ps, node.kind === 'chr' ? 'c' : 'b', String(node.rdevMajor), String(node.rdevMinor)])
        break
      case 'fifo':
        await run('mknod', [ps, 'p'])
        break
      case 'sock':
        await run('python3', ['-c', 'import socket,sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])', ps])
        break
    }
    await setMeta(p, node)
  }
  await visit(Buffer.from(root), tree.root)
  for (const [p, node] of dirs) await setMeta(p, node) // after their children, so mtimes stick
}

async function setMeta(p: Buffer, node: Inode): Promise<void> {
  await lchown(p, node.uid, node.gid)
  if (node.kind !== 'symlink') await chmod(p, node.mode)
  for (const [name, value] of node.xattrs ?? []) {
    await run('setfattr', ['-h', '-n', name, '-v', `0x${Buffer.from(value).toString('hex')}`, p.toString('latin1')])
  }
  await lutimes(p, node.mtimeSec, node.mtimeSec)
}

/** The listing as our reader sees an image: stored nlink, nid as identity. */
export async function listReader(img: string, opts: { withMtime?: boolean } = {}): Promise<string[]> {
  const image = await openErofsFile(img)
  try {
    const out: Entry[] = []
    const visit = async (rel: string): Promise<void> => {
      const st = await image.stat(rel)
      const rdev = decodeRdev(st.iu)
      out.push({
        path: rel || '/', kind: st.kind, mode: st.mode, uid: st.uid, gid: st.gid, nlink: st.nlink,
        mtime: opts.withMtime ? st.mtimeSec : 0, size: st.kind === 'reg' ? st.size : null,
        sha: st.kind === 'reg' ? sha(await image.readFile(rel)) : null,
        target: st.kind === 'symlink' ? await image.readlink(rel) : null,
        rdev: st.kind === 'chr' || st.kind === 'blk' ? `${rdev.major}:${rdev.minor}` : null,
        xattrs: xattrText(await image.xattrs(rel)), id: st.nid,
      })
      if (st.kind === 'dir') for (const e of await image.readdir(rel)) await visit(`${rel}/${e.name}`)
    }
    await visit('')
    return lines(out, opts.withMtime ?? false)
  } finally {
    await image.close()
  }
}
