// Reads a directory on disk into the tree model (for `mkfs DIR` and for comparing trees in tests).
// Names travel as raw bytes end to end, symlinks below the root are never followed, and names
// sharing one (dev, ino) share one Inode object, which is how the model expresses hardlinks.
// A native thread lists the directories with every entry's lstat, xattrs and link target (far
// cheaper than a bigint lstat, an xattr list and a readlink call from JavaScript for each entry)
// while this builds the tree from the listings it has finished.

import { constants, realpathSync } from 'node:fs'
import { resolve } from 'node:path'
import { UnsupportedError, UsageError } from '../errors.js'
import { lstatEntry, scanTree, type ScannedEntry } from '../native.js'
import { Inode, Tree, type Kind } from './node.js'

export async function treeFromDir(dir: string): Promise<Tree> {
  // resolve('') is the working directory, never what an empty name meant.
  if (dir === '') throw new UsageError('directory path is empty')
  let rootPath = Buffer.from(resolve(dir))
  let st = lstatEntry(rootPath)
  // A symlink named as the root is followed, as mkfs.erofs does; the entries below never are.
  if ((st.mode & constants.S_IFMT) === constants.S_IFLNK) {
    rootPath = realpathSync(rootPath, { encoding: 'buffer' })
    st = lstatEntry(rootPath)
  }
  if ((st.mode & constants.S_IFMT) !== constants.S_IFDIR) throw new UsageError(`${dir}: not a directory`)
  const reader = new DirReader()
  const tree = new Tree(reader.inode(st))
  reader.fill(rootPath, tree.root)
  return tree
}

class DirReader {
  /** "dev:ino" -> Inode, for non-directories with more than one link. */
  private readonly links = new Map<string, Inode>()

  /** Reads the directory at `rootPath` into `root`, and every directory below it. */
  fill(rootPath: Buffer, root: Inode): void {
    const dirs = [root] // in the order scanTree lists them: breadth-first, each in listing order
    let next = 0
    for (const listing of scanTree(rootPath)) {
      const dir = dirs[next++]!
      for (const st of listing) {
        const node = (st.linkId !== null && this.links.get(st.linkId)) || this.inode(st)
        dir.children!.set(st.name, node)
        if (node.kind === 'dir') dirs.push(node)
      }
    }
    if (next !== dirs.length) throw new Error(`tree scan: ${next} listings for ${dirs.length} directories`)
  }

  inode(st: ScannedEntry): Inode {
    const node = new Inode(kindOf(st.path, st.mode), st.mode)
    node.uid = st.uid
    node.gid = st.gid
    node.mtimeSec = st.mtimeSec
    node.mtimeNsec = st.mtimeNsec
    if (node.kind === 'reg') node.content = { kind: 'file', path: st.path, size: st.size }
    if (node.kind === 'symlink') node.target = st.target
    if (node.kind === 'chr' || node.kind === 'blk') [node.rdevMajor, node.rdevMinor] = [st.rdevMajor, st.rdevMinor]
    if (st.xattrs) node.xattrs = new Map(st.xattrs)
    if (st.linkId !== null) this.links.set(st.linkId, node)
    return node
  }
}

const KIND_OF_TYPE = new Map<number, Kind>([
  [constants.S_IFREG, 'reg'],
  [constants.S_IFDIR, 'dir'],
  [constants.S_IFLNK, 'symlink'],
  [constants.S_IFCHR, 'chr'],
  [constants.S_IFBLK, 'blk'],
  [constants.S_IFIFO, 'fifo'],
  [constants.S_IFSOCK, 'sock'],
])

function kindOf(path: Buffer, mode: number): Kind {
  const kind = KIND_OF_TYPE.get(mode & constants.S_IFMT)
  if (kind === undefined) throw new UnsupportedError(`${path.toString()}: unsupported file type 0o${(mode & constants.S_IFMT).toString(8)}`)
  return kind
}
