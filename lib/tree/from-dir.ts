// Reads a directory on disk into the tree model (for `mkfs DIR` and for comparing trees in tests).
// Names travel as raw bytes end to end, symlinks are never followed, and names sharing one
// (dev, ino) share one Inode object, which is how the model expresses hardlinks.
// System calls are synchronous: a few microseconds each, far less than a promise round trip each.

import { constants, lstatSync, readdirSync, readlinkSync, type BigIntStats } from 'node:fs'
import { resolve } from 'node:path'
import { UnsupportedError, UsageError } from '../errors.js'
import { llistxattr, lgetxattr } from '../native.js'
import { Inode, Tree, bytesToName, type Kind } from './node.js'

const NS_PER_SEC = 1_000_000_000n
const SLASH = Buffer.from('/')

export async function treeFromDir(dir: string): Promise<Tree> {
  const rootPath = Buffer.from(resolve(dir))
  const st = lstatSync(rootPath, { bigint: true })
  if (!st.isDirectory()) throw new UsageError(`${dir}: not a directory`)
  const reader = new DirReader()
  const tree = new Tree(reader.inode(rootPath, st))
  reader.fill(rootPath, tree.root)
  return tree
}

class DirReader {
  /** "dev:ino" -> Inode, for non-directories with more than one link. */
  private readonly links = new Map<string, Inode>()

  fill(dirPath: Buffer, dir: Inode): void {
    for (const name of readdirSync(dirPath, { encoding: 'buffer' })) {
      const path = Buffer.concat([dirPath, SLASH, name])
      const st = lstatSync(path, { bigint: true })
      const node = this.shared(st) ?? this.inode(path, st)
      dir.children!.set(bytesToName(name), node)
      if (node.kind === 'dir') this.fill(path, node)
    }
  }

  /** The Inode already made for another name of this file, or undefined. */
  private shared(st: BigIntStats): Inode | undefined {
    if (st.isDirectory() || st.nlink < 2n) return undefined
    return this.links.get(`${st.dev}:${st.ino}`)
  }

  inode(path: Buffer, st: BigIntStats): Inode {
    const node = new Inode(kindOf(path, st), Number(st.mode))
    node.uid = Number(st.uid)
    node.gid = Number(st.gid)
    const nsec = ((st.mtimeNs % NS_PER_SEC) + NS_PER_SEC) % NS_PER_SEC
    node.mtimeSec = Number((st.mtimeNs - nsec) / NS_PER_SEC)
    node.mtimeNsec = Number(nsec)
    if (node.kind === 'reg') node.content = { kind: 'file', path, size: Number(st.size) }
    if (node.kind === 'symlink') node.target = bytesToName(readlinkSync(path, { encoding: 'buffer' }))
    if (node.kind === 'chr' || node.kind === 'blk') [node.rdevMajor, node.rdevMinor] = decodeRdev(st.rdev)
    node.xattrs = readXattrs(path)
    if (!st.isDirectory() && st.nlink > 1n) this.links.set(`${st.dev}:${st.ino}`, node)
    return node
  }
}

function kindOf(path: Buffer, st: BigIntStats): Kind {
  if (st.isFile()) return 'reg'
  if (st.isDirectory()) return 'dir'
  if (st.isSymbolicLink()) return 'symlink'
  if (st.isCharacterDevice()) return 'chr'
  if (st.isBlockDevice()) return 'blk'
  if (st.isFIFO()) return 'fifo'
  if (st.isSocket()) return 'sock'
  const type = (Number(st.mode) & constants.S_IFMT).toString(8)
  throw new UnsupportedError(`${path.toString()}: unsupported file type 0o${type}`)
}

/** Linux dev_t (glibc gnu_dev_major/minor): 32-bit major in bits 8-19 and 44-63, minor in 0-7 and 20-43. */
export function decodeRdev(rdev: bigint): [major: number, minor: number] {
  const major = ((rdev >> 8n) & 0xfffn) | ((rdev >> 32n) & 0xfffff000n)
  const minor = (rdev & 0xffn) | ((rdev >> 12n) & 0xffffff00n)
  return [Number(major), Number(minor)]
}

/** All xattrs of `path` (byte-string names -> values), null when none or unsupported here. */
function readXattrs(path: Buffer): Map<string, Uint8Array> | null {
  let names: Buffer[]
  try {
    names = llistxattr(path)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOTSUP') return null
    throw err
  }
  let xattrs: Map<string, Uint8Array> | null = null
  for (const name of names) {
    const value = lgetxattr(path, name)
    if (value === null) continue // removed since it was listed
    xattrs ??= new Map()
    xattrs.set(bytesToName(name), value)
  }
  return xattrs
}
