// The canonical listing: one printable line per path, the form in which every test compares whole
// trees (ours against umoci's, a kernel mount's, or a directory made by outside tools). Line format:
//   <path> <type> <mode %04o> <uid>:<gid> size=<n|-> sha256=<hex|-> target=<t|-> rdev=<maj>:<min|->
//   xattrs=<name=hex;...|-> link=<first path of its hardlink group|-> [mtime=<sec>.<nsec 9 digits>]
// Directory sizes are '-' because they depend on the filesystem, not the tree.

import { createHash, type Hash } from 'node:crypto'
import { BasicContentReader, type ContentReader } from './content.js'
import { treeFromDir } from './from-dir.js'
import { Inode, Tree, compareNames, linkCounts, walk, type Content } from './node.js'

export interface ListingOptions {
  /** Append mtime=<sec>.<nsec>; off by default since layer tools do not all keep times. */
  mtime?: boolean
}

export async function listTree(tree: Tree, reader: ContentReader, opts: ListingOptions = {}): Promise<string[]> {
  const digests = await hashContents(tree, reader)
  const counts = linkCounts(tree)
  const firstPath = new Map<Inode, string>()
  const lines: string[] = []
  for (const [p, node] of walk(tree)) {
    const path = escapeListing(`/${p}`)
    let link = '-'
    if (node.kind !== 'dir' && counts.get(node)! > 1) {
      if (!firstPath.has(node)) firstPath.set(node, path)
      link = firstPath.get(node)!
    }
    lines.push(formatLine(path, node, digests.get(node), link, opts))
  }
  return lines
}

/** The listing of a directory on disk: listTree(treeFromDir(dir)). */
export async function listDir(dir: string, opts: ListingOptions = {}): Promise<string[]> {
  return listTree(await treeFromDir(dir), new BasicContentReader(), opts)
}

function formatLine(path: string, node: Inode, sha256: string | undefined, link: string, opts: ListingOptions): string {
  const reg = node.kind === 'reg'
  const dev = node.kind === 'chr' || node.kind === 'blk'
  const fields = [
    path,
    node.kind,
    node.mode.toString(8).padStart(4, '0'),
    `${node.uid}:${node.gid}`,
    `size=${reg ? node.size : '-'}`,
    `sha256=${sha256 ?? '-'}`,
    `target=${node.kind === 'symlink' ? escapeListing(node.target!) : '-'}`,
    `rdev=${dev ? `${node.rdevMajor}:${node.rdevMinor}` : '-'}`,
    `xattrs=${formatXattrs(node.xattrs)}`,
    `link=${link}`,
  ]
  if (opts.mtime) fields.push(`mtime=${node.mtimeSec}.${String(node.mtimeNsec).padStart(9, '0')}`)
  return fields.join(' ')
}

function formatXattrs(xattrs: Map<string, Uint8Array> | null): string {
  if (!xattrs || xattrs.size === 0) return '-'
  return [...xattrs]
    .sort((a, b) => compareNames(a[0], b[0]))
    .map(([name, value]) => `${escapeListing(name)}=${Buffer.from(value).toString('hex')}`)
    .join(';')
}

/** Escapes a byte string so it is printable ASCII without spaces: bytes < 0x21, > 0x7e, '\' and '=' as \xHH. */
export function escapeListing(s: string): string {
  let out = ''
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    out += c < 0x21 || c > 0x7e || c === 0x5c || c === 0x3d ? `\\x${c.toString(16).padStart(2, '0')}` : s[i]
  }
  return out
}

/** sha256 of every regular file's content, keyed by inode (hardlinks are hashed once). */
async function hashContents(tree: Tree, reader: ContentReader): Promise<Map<Inode, string>> {
  const inodes: Inode[] = []
  const seen = new Set<Inode>()
  for (const [, node] of walk(tree)) {
    if (node.kind === 'reg' && !seen.has(node)) {
      seen.add(node)
      inodes.push(node)
    }
  }
  const hashes: Hash[] = inodes.map(() => createHash('sha256'))
  const requests: Content[] = inodes.map(n => n.content!)
  await reader.read(requests, (i, chunk) => {
    hashes[i]!.update(chunk)
  })
  return new Map(inodes.map((n, i) => [n, hashes[i]!.digest('hex')]))
}

/** '' when equal; otherwise a short report of the first differing lines (-a, +b) for test messages. */
export function diffListings(a: readonly string[], b: readonly string[], max = 10): string {
  if (a.length === b.length && a.every((line, i) => line === b[i])) return ''
  const inA = new Set(a)
  const inB = new Set(b)
  const removed = a.filter(l => !inB.has(l))
  const added = b.filter(l => !inA.has(l))
  if (removed.length === 0 && added.length === 0) {
    let i = 0
    while (a[i] === b[i]) i++
    return `same lines, different order or count, first at line ${i + 1}:\n-${a[i] ?? '(end)'}\n+${b[i] ?? '(end)'}`
  }
  const out = [...removed.slice(0, max).map(l => `-${l}`), ...added.slice(0, max).map(l => `+${l}`)]
  const more = removed.length + added.length - out.length
  if (more > 0) out.push(`(${more} more differing lines)`)
  return out.join('\n')
}
