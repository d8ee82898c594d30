// The tree model: the centre of the library. Readers (OCI layers, a directory on disk) produce it,
// writers (a directory, EROFS) consume it. It holds metadata and references to content, never the
// content of large files, so a 100k-file image stays well under 200 MB of heap.
//
// Names and paths are "byte strings": every byte of the on-disk name is one char code 0..255 (latin1).
// This keeps non-UTF-8 names exact, and plain string comparison (<) is then unsigned byte order,
// which is the order EROFS directories need. Convert with nameToBytes/bytesToName at the edges.

export type Kind = 'reg' | 'dir' | 'symlink' | 'chr' | 'blk' | 'fifo' | 'sock'

/** Where a regular file's bytes live. */
export type Content =
  | { readonly kind: 'bytes'; readonly data: Uint8Array }
  /** Bytes [offset, offset+size) of the uncompressed tar stream of layer `layer` (0-based). */
  | { readonly kind: 'layer'; readonly layer: number; readonly offset: number; readonly size: number }
  /** A file on disk (mkfs DIR); `path` is absolute, as bytes. */
  | { readonly kind: 'file'; readonly path: Buffer; readonly size: number }

export const EMPTY_CONTENT: Content = Object.freeze({ kind: 'bytes', data: new Uint8Array(0) })

/** Permission and special bits kept in `mode` (the file type lives in `kind`). */
export const MODE_PERM_MASK = 0o7777

/**
 * One inode. Hardlinks are several directory entries referring to the same Inode object.
 * A class (not object literals) so every node shares one hidden class: smaller and faster.
 */
export class Inode {
  kind: Kind
  mode: number
  uid = 0
  gid = 0
  mtimeSec = 0
  mtimeNsec = 0
  /** Full xattr names ("security.capability") as byte strings -> raw values. null when none. */
  xattrs: Map<string, Uint8Array> | null = null
  /** reg only. */
  content: Content | null = null
  /** symlink only: the target as a byte string. */
  target: string | null = null
  rdevMajor = 0
  rdevMinor = 0
  /** dir only: child name (byte string) -> inode. */
  children: Map<string, Inode> | null = null

  constructor(kind: Kind, mode: number) {
    this.kind = kind
    this.mode = mode & MODE_PERM_MASK
    if (kind === 'dir') this.children = new Map()
    else if (kind === 'reg') this.content = EMPTY_CONTENT
    else if (kind === 'symlink') this.target = ''
  }

  /** Regular file size, or symlink target length; 0 otherwise (directories are sized by writers). */
  get size(): number {
    if (this.kind === 'reg') return contentSize(this.content!)
    if (this.kind === 'symlink') return this.target!.length
    return 0
  }
}

export function contentSize(c: Content): number {
  return c.kind === 'bytes' ? c.data.length : c.size
}

/** A whole root filesystem. The root is always a directory. */
export class Tree {
  readonly root: Inode
  constructor(root?: Inode) {
    this.root = root ?? new Inode('dir', 0o755)
    if (this.root.kind !== 'dir') throw new TypeError('tree root must be a directory')
  }
}

export function nameToBytes(name: string): Buffer {
  return Buffer.from(name, 'latin1')
}

export function bytesToName(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1')
}

/** Byte strings compare in unsigned byte order with plain < (each char is one byte). */
export function compareNames(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}

/** Children sorted by byte order: the one order every writer and listing uses. */
export function sortedChildren(dir: Inode): Array<[string, Inode]> {
  return [...dir.children!.entries()].sort((x, y) => compareNames(x[0], y[0]))
}

/**
 * Visits every (path, inode) in depth-first pre-order with byte-sorted children; the root is "".
 * Hardlinked inodes are visited once per name.
 */
export function* walk(tree: Tree): Generator<[string, Inode]> {
  const stack: Array<[string, Inode]> = [['', tree.root]]
  while (stack.length > 0) {
    const [path, node] = stack.pop()!
    yield [path, node]
    if (node.kind === 'dir') {
      const kids = sortedChildren(node)
      for (let i = kids.length - 1; i >= 0; i--) {
        const [name, child] = kids[i]!
        stack.push([path === '' ? name : `${path}/${name}`, child])
      }
    }
  }
}

/** Number of names each inode has (hardlinks), for nlink; directories count 2 + child dirs. */
export function linkCounts(tree: Tree): Map<Inode, number> {
  const counts = new Map<Inode, number>()
  for (const [, node] of walk(tree)) {
    if (node.kind === 'dir') {
      let subdirs = 0
      for (const child of node.children!.values()) if (child.kind === 'dir') subdirs++
      counts.set(node, 2 + subdirs)
    } else {
      counts.set(node, (counts.get(node) ?? 0) + 1)
    }
  }
  return counts
}
