// Metadata bytes from a plan: the superblock block, shared xattr entries, inode records (inode, xattrs,
// inline directory/symlink tail) and the data blocks of directories and symlinks. Regular file bytes
// never pass through here: they come from the ContentReader.

import { Buffer } from 'node:buffer'
import { encode } from '../binary/struct.js'
import { erofsSuperblockCrc } from './crc32c.js'
import { encodeDirBlock } from './dirents.js'
import {
  EROFS_BLKSIZ,
  EROFS_BLKSZBITS,
  EROFS_FEATURE_COMPAT_SB_CHKSUM,
  EROFS_I_DATALAYOUT_BIT,
  EROFS_INODE_LAYOUT_COMPACT,
  EROFS_INODE_LAYOUT_EXTENDED,
  EROFS_ISLOT_SIZE,
  EROFS_SUPER_MAGIC_V1,
  EROFS_SUPER_OFFSET,
  erofsInodeCompact,
  erofsInodeExtended,
  erofsSuperBlock,
} from './format.js'
import type { Plan, PlannedInode } from './plan.js'
import { encodeInodeXattrs, encodeXattrEntry, xattrEntrySize } from './xattrs.js'

/** Bytes at an absolute image offset. */
export interface Piece {
  readonly pos: number
  readonly bytes: Uint8Array
}

/** Byte offset of an inode. */
export function inodePos(plan: Plan, p: PlannedInode): number {
  return plan.metaBlkaddr * EROFS_BLKSIZ + p.nid * EROFS_ISLOT_SIZE
}

/** Byte offset of an inode's inline tail. */
export function tailPos(plan: Plan, p: PlannedInode): number {
  return inodePos(plan, p) + inodeBytes(p) + p.xattrs.sizeBytes
}

function inodeBytes(p: PlannedInode): number {
  return p.extended ? erofsInodeExtended.size : erofsInodeCompact.size
}

/** Metadata is packed into buffers of about this size: few allocations, few writes. */
const PACK_BYTES = 1 << 20

/** Every metadata piece in increasing offset order (file data left as zeros or gaps). */
export function* metadataPieces(plan: Plan): Generator<Piece> {
  yield { pos: 0, bytes: superblockBlock(plan) }
  const sharedBase = plan.xattrBlkaddr * EROFS_BLKSIZ
  yield* packed(plan.shared, s => sharedBase + s.offset, s => xattrEntrySize(s.entry), (buf, at, s) => encodeXattrEntry(buf, at, s.entry))
  const nidOf = (target: number): number => plan.inodes[target]!.nid
  yield* packed(plan.inodes, p => inodePos(plan, p), recordBytes, (buf, at, p) => encodeRecord(buf, at, p, nidOf))
  for (const p of plan.inodes) {
    if (p.dataBlocks === 0 || p.node.kind === 'reg') continue
    const bytes = Buffer.alloc(p.dataBlocks * EROFS_BLKSIZ)
    for (let k = 0; k < p.dataBlocks; k++) encodeOwnBlock(bytes, k * EROFS_BLKSIZ, p, k, nidOf)
    yield { pos: p.iu * EROFS_BLKSIZ, bytes }
  }
}

/**
 * Encodes items (in increasing, non-overlapping positions) into shared buffers of about PACK_BYTES,
 * one piece per buffer: one allocation per MiB of metadata instead of one per inode.
 */
function* packed<T>(
  items: readonly T[],
  posOf: (item: T) => number,
  sizeOf: (item: T) => number,
  encodeAt: (buf: Buffer, at: number, item: T) => void,
): Generator<Piece> {
  let buf: Buffer | null = null
  let base = 0
  let used = 0
  for (const item of items) {
    const pos = posOf(item)
    const size = sizeOf(item)
    // orderedPieces checks whole pieces only: overlaps inside one are caught here
    if (buf !== null && pos < base + used) throw new Error(`erofs records: item at ${pos} overlaps the previous one (ends at ${base + used})`)
    if (buf === null || pos + size > base + buf.length) {
      if (buf !== null) yield { pos: base, bytes: buf.subarray(0, used) }
      buf = Buffer.alloc(Math.max(PACK_BYTES, size))
      base = pos
    }
    encodeAt(buf, pos - base, item)
    used = pos + size - base
  }
  if (buf !== null) yield { pos: base, bytes: buf.subarray(0, used) }
}

/** Block 0: zeros, then the superblock at 1024, checksummed over the rest of the block. */
export function superblockBlock(plan: Plan): Uint8Array {
  const buf = new Uint8Array(EROFS_BLKSIZ)
  encode(erofsSuperBlock, buf, EROFS_SUPER_OFFSET, {
    magic: EROFS_SUPER_MAGIC_V1,
    checksum: 0,
    feature_compat: EROFS_FEATURE_COMPAT_SB_CHKSUM,
    blkszbits: EROFS_BLKSZBITS,
    root_nid: plan.rootNid,
    inos: plan.inodes.length,
    build_time: 0,
    build_time_nsec: 0,
    blocks: plan.blocks,
    meta_blkaddr: plan.metaBlkaddr,
    xattr_blkaddr: plan.xattrBlkaddr,
    uuid: plan.uuid,
    volume_name: Buffer.from(plan.volumeName, 'utf8'),
    feature_incompat: 0,
  })
  const checksum = erofsSuperblockCrc(buf.subarray(EROFS_SUPER_OFFSET))
  encode(erofsSuperBlock, buf, EROFS_SUPER_OFFSET, { checksum })
  return buf
}

/**
 * Bytes of an inode record: the inode, its xattrs and the inline tail. A regular file's tail is left
 * zero here (its bytes come from the ContentReader) but lies inside the same piece, so a writer can
 * fill it in before writing the piece.
 */
function recordBytes(p: PlannedInode): number {
  return inodeBytes(p) + p.xattrs.sizeBytes + p.tailBytes
}

function encodeRecord(buf: Buffer, at: number, p: PlannedInode, nidOf: (target: number) => number): void {
  const isize = inodeBytes(p)
  const fields = {
    i_format: (p.extended ? EROFS_INODE_LAYOUT_EXTENDED : EROFS_INODE_LAYOUT_COMPACT) | (p.layout << EROFS_I_DATALAYOUT_BIT),
    i_xattr_icount: p.xattrs.icount,
    i_mode: p.mode,
    i_size: p.sizeBytes,
    i_u: p.iu,
    i_ino: p.ino,
    i_uid: p.uid,
    i_gid: p.gid,
    i_nlink: p.nlink,
  }
  if (p.extended) {
    encode(erofsInodeExtended, buf, at, fields)
    encode(erofsInodeExtended, buf, at, { i_mtime: p.mtimeSec, i_mtime_nsec: p.mtimeNsec })
  } else {
    encode(erofsInodeCompact, buf, at, fields)
  }
  encodeInodeXattrs(buf, at + isize, p.xattrs)
  // a regular file's tail comes from the ContentReader; a directory's or symlink's is ours
  if (p.node.kind !== 'reg' && p.tailBytes > 0) encodeOwnBlock(buf, at + isize + p.xattrs.sizeBytes, p, p.dataBlocks, nidOf)
}

/** Block k of the bytes a directory or symlink owns, at `at` (the last block may be a partial tail). */
function encodeOwnBlock(buf: Buffer, at: number, p: PlannedInode, k: number, nidOf: (target: number) => number): void {
  if (p.dir) encodeDirBlock(buf, at, p.dir.entries, p.dir.layout, k, nidOf)
  else if (p.node.kind === 'symlink') buf.write(p.node.target!.slice(k * EROFS_BLKSIZ, (k + 1) * EROFS_BLKSIZ), at, 'latin1')
}
