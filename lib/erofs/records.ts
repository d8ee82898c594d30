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

/** Every metadata piece in increasing offset order (file data left as zero gaps). */
export function* metadataPieces(plan: Plan): Generator<Piece> {
  yield { pos: 0, bytes: superblockBlock(plan) }
  const sharedBase = plan.xattrBlkaddr * EROFS_BLKSIZ
  for (const s of plan.shared) {
    const bytes = new Uint8Array(xattrEntrySize(s.entry))
    encodeXattrEntry(bytes, 0, s.entry)
    yield { pos: sharedBase + s.offset, bytes }
  }
  for (const p of plan.inodes) yield { pos: inodePos(plan, p), bytes: inodeRecord(plan, p) }
  for (const p of plan.inodes) {
    if (p.dataBlocks === 0 || p.node.kind === 'reg') continue
    for (let k = 0; k < p.dataBlocks; k++) yield { pos: (p.iu + k) * EROFS_BLKSIZ, bytes: ownData(plan, p, k) }
  }
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

/** The inode, its xattr area and, for directories and symlinks, the inline tail. */
function inodeRecord(plan: Plan, p: PlannedInode): Uint8Array {
  const isize = inodeBytes(p)
  const ownTail = p.node.kind === 'reg' ? 0 : p.tailBytes
  const buf = new Uint8Array(isize + p.xattrs.sizeBytes + ownTail)
  const common = {
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
  if (p.extended) encode(erofsInodeExtended, buf, 0, { ...common, i_mtime: p.mtimeSec, i_mtime_nsec: p.mtimeNsec })
  else encode(erofsInodeCompact, buf, 0, common)
  encodeInodeXattrs(buf, isize, p.xattrs)
  if (ownTail > 0) {
    const tail = ownData(plan, p, p.dataBlocks)
    buf.set(tail.subarray(0, ownTail), isize + p.xattrs.sizeBytes)
  }
  return buf
}

/** Block k of the bytes a directory or symlink owns, zero-filled to a block. */
function ownData(plan: Plan, p: PlannedInode, k: number): Uint8Array {
  const buf = new Uint8Array(EROFS_BLKSIZ)
  if (p.dir) {
    encodeDirBlock(buf, 0, p.dir.entries, p.dir.layout, k, t => plan.inodes[t]!.nid)
  } else if (p.node.kind === 'symlink') {
    buf.set(Buffer.from(p.node.target!, 'latin1').subarray(k * EROFS_BLKSIZ, (k + 1) * EROFS_BLKSIZ))
  }
  return buf
}
