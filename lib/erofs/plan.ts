// Pure layout pass: Tree + options -> every nid, block address and size of the image, no bytes.
// The image is: block 0 (superblock at 1024), the shared xattr area, the metadata area (inodes in
// depth-first pre-order with their xattrs and inline tails), then the data blocks in inode order.
// Only the tree decides the result: children and xattrs are sorted, never taken in insertion order.

import { Buffer } from 'node:buffer'
import { LimitError, UsageError } from '../errors.js'
import type { Content, Inode, Kind, Tree } from '../tree/node.js'
import { sortedChildren } from '../tree/node.js'
import { FILE_TYPE_OF_KIND } from './file-types.js'
import { layoutDir, type DirEntry, type DirLayout } from './dirents.js'
import {
  EROFS_BLKSIZ,
  EROFS_FT_DIR,
  EROFS_INODE_FLAT_INLINE,
  EROFS_INODE_FLAT_PLAIN,
  EROFS_ISLOT_SIZE,
  EROFS_NAME_LEN,
  EROFS_NULL_ADDR,
  S_IFBLK,
  S_IFCHR,
  S_IFDIR,
  S_IFIFO,
  S_IFLNK,
  S_IFREG,
  S_IFSOCK,
  encodeRdev,
  erofsInodeCompact,
  erofsInodeExtended,
} from './format.js'
import { alignUp, planXattrs, toXattrEntry, type InodeXattrs, type SharedXattr, type XattrEntry } from './xattrs.js'

export interface ErofsOptions {
  /** Keep inode mtimes (extended inodes for non-zero ones). Default false: all times 0. */
  preserveMtime?: boolean
  /** 16 bytes; default all zero. */
  uuid?: Uint8Array
  /** At most 15 bytes. */
  volumeName?: string
  /** Every owner becomes 0:0. */
  allRoot?: boolean
}

export interface PlannedInode {
  readonly node: Inode
  readonly nid: number
  /** i_ino: position in inode order, from 1. */
  readonly ino: number
  readonly extended: boolean
  /** EROFS_INODE_FLAT_PLAIN or EROFS_INODE_FLAT_INLINE. */
  readonly layout: number
  /** Full i_mode, file type included. */
  readonly mode: number
  readonly sizeBytes: number
  readonly nlink: number
  readonly uid: number
  readonly gid: number
  readonly mtimeSec: number
  readonly mtimeNsec: number
  /** i_u: first data block (EROFS_NULL_ADDR or 0 when none, as erofs-utils) or rdev. */
  readonly iu: number
  readonly xattrs: InodeXattrs
  /** Data blocks from iu (full blocks only for FLAT_INLINE). */
  readonly dataBlocks: number
  /** Bytes stored right after the inode's xattrs (FLAT_INLINE), else 0. */
  readonly tailBytes: number
  /** Directories: sorted entries ("." and ".." included) and their blocks. */
  readonly dir: { readonly entries: readonly DirEntry[]; readonly layout: DirLayout } | null
  /** Regular files with data: index into Plan.contents; else -1. */
  readonly contentIndex: number
}

export interface Plan {
  readonly inodes: readonly PlannedInode[]
  readonly shared: readonly SharedXattr[]
  /** 0 when there are no shared xattrs. */
  readonly xattrBlkaddr: number
  readonly metaBlkaddr: number
  readonly rootNid: number
  /** Image size in blocks. */
  readonly blocks: number
  /** File contents to fetch, and the inode each one belongs to. */
  readonly contents: readonly Content[]
  readonly contentInodes: readonly number[]
  readonly uuid: Uint8Array
  readonly volumeName: string
}

const MODE_TYPE: Record<Kind, number> = {
  reg: S_IFREG, dir: S_IFDIR, symlink: S_IFLNK, chr: S_IFCHR, blk: S_IFBLK, fifo: S_IFIFO, sock: S_IFSOCK,
}
const U16_MAX = 0xffff
const U32_MAX = 0xffffffff
const MAX_SYMLINK = EROFS_BLKSIZ - 1
const MAX_ROOT_NID = 0xffff

/** Computes the whole layout of the image for `tree`. */
export function planImage(tree: Tree, opts: ErofsOptions = {}): Plan {
  const uuid = opts.uuid ?? new Uint8Array(16)
  if (uuid.length !== 16) throw new UsageError(`erofs uuid: got ${uuid.length} bytes, want 16`)
  const volumeName = opts.volumeName ?? ''
  if (Buffer.byteLength(volumeName, 'utf8') > 15) throw new UsageError(`erofs volume name ${JSON.stringify(volumeName)}: longer than 15 bytes`)

  const { order, entries, nlinks } = collect(tree)
  const xattrPlan = planXattrs(order.map(xattrEntries))
  const xattrBlkaddr = xattrPlan.shared.length > 0 ? 1 : 0
  const metaBlkaddr = 1 + Math.ceil(xattrPlan.areaBytes / EROFS_BLKSIZ)

  // metadata area: place every inode record, deciding inline tails
  const shapes = order.map((node, i) => shapeOf(node, entries[i] ?? null, nlinks[i]!, xattrPlan.inodes[i]!, opts))
  let pos = 0
  const placed = shapes.map(s => {
    const p = placeRecord(pos, s.recordBytes, s.tailCandidate)
    pos = p.start + s.recordBytes + (p.inline ? s.tailCandidate : 0)
    return p
  })
  if (placed[0]!.start / EROFS_ISLOT_SIZE > MAX_ROOT_NID) throw new LimitError('erofs root nid does not fit in 16 bits')

  // data area: full blocks in inode order
  let next = metaBlkaddr + Math.ceil(pos / EROFS_BLKSIZ)
  const contents: Content[] = []
  const contentInodes: number[] = []
  const inodes = shapes.map((s, i): PlannedInode => {
    const { start, inline } = placed[i]!
    const node = order[i]!
    const dataBlocks = inline ? Math.floor(s.sizeBytes / EROFS_BLKSIZ) : Math.ceil(s.sizeBytes / EROFS_BLKSIZ)
    let iu = 0
    if (node.kind === 'chr' || node.kind === 'blk') iu = encodeRdev(node.rdevMajor, node.rdevMinor)
    else if (dataBlocks > 0) iu = next
    else if (inline) iu = EROFS_NULL_ADDR
    next += dataBlocks
    if (next > U32_MAX) throw new LimitError('erofs image exceeds 2^32 blocks')
    let contentIndex = -1
    if (node.kind === 'reg' && s.sizeBytes > 0) {
      contentIndex = contents.length
      contents.push(node.content!)
      contentInodes.push(i)
    }
    // every field spelled out, in one order: an object spread here made each inode a slow
    // dictionary-like object (the plan of a 13k-inode tree took 200 ms instead of 5 ms)
    return {
      node,
      nid: start / EROFS_ISLOT_SIZE,
      ino: i + 1,
      extended: s.extended,
      layout: inline ? EROFS_INODE_FLAT_INLINE : EROFS_INODE_FLAT_PLAIN,
      mode: s.mode,
      sizeBytes: s.sizeBytes,
      nlink: s.nlink,
      uid: s.uid,
      gid: s.gid,
      mtimeSec: s.mtimeSec,
      mtimeNsec: s.mtimeNsec,
      iu,
      xattrs: xattrPlan.inodes[i]!,
      dataBlocks,
      tailBytes: inline ? s.tailCandidate : 0,
      dir: s.dir,
      contentIndex,
    }
  })
  return {
    inodes, shared: xattrPlan.shared, xattrBlkaddr, metaBlkaddr, rootNid: inodes[0]!.nid, blocks: next,
    contents, contentInodes, uuid, volumeName,
  }
}

/** Depth-first pre-order with byte-sorted children; each inode once (hardlinks share one index). */
function collect(tree: Tree): { order: Inode[]; entries: Array<DirEntry[] | undefined>; nlinks: number[] } {
  const order: Inode[] = []
  const indexOf = new Map<Inode, number>()
  const nlinks: number[] = []
  const dirKids: Array<Array<[string, Inode]> | undefined> = []
  const parentOf: number[] = []
  const stack: Array<[Inode, number]> = [[tree.root, -1]]
  while (stack.length > 0) {
    const [node, parent] = stack.pop()!
    const seen = indexOf.get(node)
    if (seen !== undefined) {
      if (node.kind === 'dir') throw new UsageError('erofs: a directory appears under more than one name')
      nlinks[seen]!++
      continue
    }
    const index = order.length
    order.push(node)
    indexOf.set(node, index)
    nlinks.push(1)
    parentOf.push(parent < 0 ? index : parent)
    if (node.kind !== 'dir') continue
    const kids = sortedChildren(node)
    kids.forEach(([name]) => checkName(name))
    dirKids[index] = kids
    nlinks[index] = 2 + kids.filter(([, c]) => c.kind === 'dir').length
    for (let k = kids.length - 1; k >= 0; k--) stack.push([kids[k]![1], index])
  }
  const entries = dirKids.map((kids, i) => {
    if (kids === undefined) return undefined
    const list: DirEntry[] = kids.map(([name, child]) => ({ name, target: indexOf.get(child)!, fileType: FILE_TYPE_OF_KIND[child.kind] }))
    list.push({ name: '.', target: i, fileType: EROFS_FT_DIR }, { name: '..', target: parentOf[i]!, fileType: EROFS_FT_DIR })
    return list.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
  })
  return { order, entries, nlinks }
}

function checkName(name: string): void {
  if (name.length === 0 || name === '.' || name === '..' || name.includes('/') || name.includes('\0')) {
    throw new UsageError(`erofs: invalid file name ${JSON.stringify(name)}`)
  }
  if (name.length > EROFS_NAME_LEN) throw new LimitError(`erofs: file name longer than ${EROFS_NAME_LEN} bytes: ${JSON.stringify(name.slice(0, 40))}...`)
}

function xattrEntries(node: Inode): XattrEntry[] {
  if (!node.xattrs) return []
  return [...node.xattrs].map(([name, value]) => toXattrEntry(name, value))
}

interface Shape extends Pick<PlannedInode, 'extended' | 'mode' | 'nlink' | 'uid' | 'gid' | 'mtimeSec' | 'mtimeNsec'> {
  sizeBytes: number
  recordBytes: number
  tailCandidate: number
  dir: PlannedInode['dir']
}

function shapeOf(node: Inode, entries: DirEntry[] | null, nlink: number, xattrs: InodeXattrs, opts: ErofsOptions): Shape {
  const dir = entries ? { entries, layout: layoutDir(entries) } : null
  const sizeBytes = dir ? dir.layout.sizeBytes : node.size
  if (node.kind === 'symlink' && sizeBytes > MAX_SYMLINK) throw new LimitError(`erofs: symlink target longer than ${MAX_SYMLINK} bytes`)
  if ((node.kind === 'chr' || node.kind === 'blk') && (node.rdevMajor > 0xfff || node.rdevMinor > 0xfffff)) {
    throw new LimitError(`erofs: device number ${node.rdevMajor}:${node.rdevMinor} does not fit in 32 bits`)
  }
  const uid = opts.allRoot ? 0 : node.uid
  const gid = opts.allRoot ? 0 : node.gid
  if (uid > U32_MAX || gid > U32_MAX) throw new LimitError(`erofs: owner ${uid}:${gid} exceeds 32 bits`)
  // extended i_mtime is unsigned here: times before 1970 become 0
  const keepTime = opts.preserveMtime === true && node.mtimeSec >= 0
  const mtimeSec = keepTime ? node.mtimeSec : 0
  const mtimeNsec = keepTime ? node.mtimeNsec : 0
  const extended = sizeBytes > U32_MAX || uid > U16_MAX || gid > U16_MAX || nlink > U16_MAX || mtimeSec !== 0 || mtimeNsec !== 0
  const hasData = node.kind === 'reg' || node.kind === 'dir' || node.kind === 'symlink'
  return {
    extended,
    mode: MODE_TYPE[node.kind] | node.mode,
    nlink,
    uid,
    gid,
    mtimeSec,
    mtimeNsec,
    sizeBytes,
    recordBytes: (extended ? erofsInodeExtended.size : erofsInodeCompact.size) + xattrs.sizeBytes,
    tailCandidate: hasData ? sizeBytes % EROFS_BLKSIZ : 0,
    dir,
  }
}

/**
 * Where an inode record goes (byte offset in the metadata area) and whether its tail is inlined.
 * Strict as erofs-utils: inode, xattrs and tail share one block. When they do not fit in the rest of
 * the current block, the cheaper of "move to the next block" and "store the tail in a data block" wins.
 */
export function placeRecord(pos: number, record: number, tail: number): { start: number; inline: boolean } {
  const at = alignUp(pos, EROFS_ISLOT_SIZE)
  const rem = EROFS_BLKSIZ - (at % EROFS_BLKSIZ)
  const nextBlock = alignUp(at, EROFS_BLKSIZ)
  if (tail > 0 && record + tail <= rem) return { start: at, inline: true }
  if (tail > 0 && record + tail <= EROFS_BLKSIZ && (record > rem || rem <= EROFS_BLKSIZ - tail)) {
    return { start: nextBlock, inline: true }
  }
  // no tail to inline: keep the record itself in one block when it can be
  return { start: record <= rem ? at : nextBlock, inline: false }
}
