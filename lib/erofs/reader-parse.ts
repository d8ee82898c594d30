// Decoding for the EROFS reader: superblock, inodes, xattr areas and directory blocks. Every check
// that fails throws FormatError (or UnsupportedError for valid features we do not read); nothing here
// trusts a size or offset from the image before checking it against the image.

import { Buffer } from 'node:buffer'
import { FormatError, UnsupportedError } from '../errors.js'
import { decode, readField } from '../binary/struct.js'
import type { Kind } from '../tree/node.js'
import { erofsSuperblockCrc } from './crc32c.js'
import {
  EROFS_ALL_FEATURE_INCOMPAT,
  EROFS_FEATURE_COMPAT_SB_CHKSUM,
  EROFS_I_ALL,
  EROFS_I_DATALAYOUT_BIT,
  EROFS_I_DATALAYOUT_MASK,
  EROFS_I_VERSION_MASK,
  EROFS_INODE_FLAT_INLINE,
  EROFS_INODE_FLAT_PLAIN,
  EROFS_NAME_LEN,
  EROFS_SUPER_MAGIC_V1,
  EROFS_SUPER_OFFSET,
  READER_INCOMPAT_OK,
  S_IFBLK,
  S_IFCHR,
  S_IFDIR,
  S_IFIFO,
  S_IFLNK,
  S_IFMT,
  S_IFREG,
  S_IFSOCK,
  XATTR_PREFIXES,
  erofsDirent,
  erofsInodeCompact,
  erofsInodeExtended,
  erofsSuperBlock,
  erofsXattrEntry,
  erofsXattrIbodyHeader,
  xattrIbodySize,
} from './format.js'

export interface SuperInfo {
  readonly blkszbits: number
  readonly blockSize: number
  readonly blocks: number
  readonly rootNid: number
  readonly inos: number
  readonly metaBlkaddr: number
  readonly xattrBlkaddr: number
  readonly featureCompat: number
  readonly featureIncompat: number
  readonly buildTime: number
  readonly buildTimeNsec: number
  readonly uuid: Uint8Array
  readonly volumeName: string
}

export interface RawInode {
  readonly nid: number
  readonly kind: Kind
  /** Permission bits (mode & 0o7777). */
  readonly mode: number
  readonly extended: boolean
  readonly layout: number
  readonly size: number
  readonly nlink: number
  readonly uid: number
  readonly gid: number
  readonly mtimeSec: number
  readonly mtimeNsec: number
  readonly ino: number
  /** i_u: first block or rdev. */
  readonly iu: number
  /** Offset and size of the xattr area. */
  readonly xattrPos: number
  readonly xattrSize: number
  /** Offset of the inline tail (FLAT_INLINE). */
  readonly tailPos: number
}

export interface RawDirent {
  readonly name: string
  readonly nid: number
  readonly fileType: number
}

const KIND_OF: ReadonlyMap<number, Kind> = new Map([
  [S_IFREG, 'reg'], [S_IFDIR, 'dir'], [S_IFLNK, 'symlink'], [S_IFCHR, 'chr'], [S_IFBLK, 'blk'], [S_IFIFO, 'fifo'], [S_IFSOCK, 'sock'],
])
export const SUPERBLOCK_READ = EROFS_SUPER_OFFSET + erofsSuperBlock.size

/** The block size an image claims, to know how much to read for parseSuperblock (unchecked). */
export function peekBlockSize(head: Uint8Array): number {
  // Not EROFS at all: read no more, so parseSuperblock can say "bad magic".
  if (readField(head, EROFS_SUPER_OFFSET, erofsSuperBlock.byName.magic) !== EROFS_SUPER_MAGIC_V1) return SUPERBLOCK_READ
  return 1 << Math.min(16, readField(head, EROFS_SUPER_OFFSET, erofsSuperBlock.byName.blkszbits) as number)
}

/** Decodes and checks the superblock; `block0` is the first block (crc region) or at least 1152 bytes. */
export function parseSuperblock(block0: Uint8Array): SuperInfo {
  // The magic first: decoding every field of something that is not EROFS would fail on a stranger.
  const magic = readField(block0, EROFS_SUPER_OFFSET, erofsSuperBlock.byName.magic) as number
  if (magic !== EROFS_SUPER_MAGIC_V1) throw new FormatError(`erofs superblock: bad magic: got 0x${magic.toString(16)}, want 0x${EROFS_SUPER_MAGIC_V1.toString(16)} (not an EROFS image)`)
  const sb = decode(erofsSuperBlock, block0, EROFS_SUPER_OFFSET)
  const blkszbits = sb.blkszbits as number
  if (blkszbits < 9 || blkszbits > 16) throw new FormatError(`erofs superblock: unsupported block size bits ${blkszbits}`)
  const incompat = sb.feature_incompat as number
  if ((incompat & ~EROFS_ALL_FEATURE_INCOMPAT) !== 0) throw new FormatError(`erofs superblock: unknown incompatible features 0x${incompat.toString(16)}`)
  if ((incompat & ~READER_INCOMPAT_OK) !== 0) throw new UnsupportedError(`erofs superblock: incompatible features 0x${incompat.toString(16)} are not supported by this reader`)
  if (sb.sb_extslots !== 0 || sb.dirblkbits !== 0) throw new UnsupportedError('erofs superblock: extension slots or directory block bits are not supported')
  const compat = sb.feature_compat as number
  const blockSize = 1 << blkszbits
  if ((compat & EROFS_FEATURE_COMPAT_SB_CHKSUM) !== 0 && blockSize > EROFS_SUPER_OFFSET) {
    const region = Uint8Array.from(block0.subarray(EROFS_SUPER_OFFSET, blockSize))
    region.fill(0, erofsSuperBlock.byName.checksum.offset, erofsSuperBlock.byName.checksum.offset + 4)
    const got = erofsSuperblockCrc(region)
    if (got !== sb.checksum) throw new FormatError(`erofs superblock: checksum mismatch: got 0x${got.toString(16)}, want 0x${(sb.checksum as number).toString(16)}`)
  }
  const volume = sb.volume_name as Uint8Array
  const nul = volume.indexOf(0)
  return {
    blkszbits, blockSize, blocks: sb.blocks as number, rootNid: sb.root_nid as number, inos: sb.inos as number,
    metaBlkaddr: sb.meta_blkaddr as number, xattrBlkaddr: sb.xattr_blkaddr as number, featureCompat: compat,
    featureIncompat: incompat, buildTime: sb.build_time as number, buildTimeNsec: sb.build_time_nsec as number,
    uuid: Uint8Array.from(sb.uuid as Uint8Array), volumeName: Buffer.from(volume.subarray(0, nul < 0 ? 16 : nul)).toString('latin1'),
  }
}

/** Bytes to read at an inode's address to decode it (extended inodes need the second half later). */
export const INODE_PROBE = erofsInodeCompact.size

export function inodeVersionIsExtended(probe: Uint8Array): boolean {
  return ((decode(erofsInodeCompact, probe).i_format as number) & EROFS_I_VERSION_MASK) === 1
}

/** Decodes an inode from its bytes (32 or 64) and checks its data against the image bounds. */
export function parseInode(sb: SuperInfo, nid: number, pos: number, buf: Uint8Array): RawInode {
  const extended = buf.length >= erofsInodeExtended.size
  const v = extended ? decode(erofsInodeExtended, buf) : decode(erofsInodeCompact, buf)
  const format = v.i_format as number
  if ((format & ~EROFS_I_ALL) !== 0) throw new FormatError(`erofs inode ${nid}: unknown i_format bits 0x${format.toString(16)}`)
  const layout = (format >> EROFS_I_DATALAYOUT_BIT) & EROFS_I_DATALAYOUT_MASK
  if (layout !== EROFS_INODE_FLAT_PLAIN && layout !== EROFS_INODE_FLAT_INLINE) {
    throw new UnsupportedError(`erofs inode ${nid}: data layout ${layout} (compressed or chunk-based) is not supported`)
  }
  const fullMode = v.i_mode as number
  const kind = KIND_OF.get(fullMode & S_IFMT)
  if (kind === undefined) throw new FormatError(`erofs inode ${nid}: bad file type in mode 0o${fullMode.toString(8)}`)
  const icount = v.i_xattr_icount as number
  if (icount === 1) throw new FormatError(`erofs inode ${nid}: xattr count 1 (header only) is invalid`)
  const isize = extended ? erofsInodeExtended.size : erofsInodeCompact.size
  const xattrSize = xattrIbodySize(icount)
  const c = v as Record<string, number>
  const inode: RawInode = {
    nid, kind, mode: fullMode & 0o7777, extended, layout, size: c.i_size!, nlink: c.i_nlink!,
    uid: c.i_uid!, gid: c.i_gid!,
    // compact inodes: build time, plus the 6.15+ per-inode offset in i_reserved (0 from older writers)
    mtimeSec: extended ? c.i_mtime! : sb.buildTime + c.i_reserved!,
    mtimeNsec: extended ? c.i_mtime_nsec! : sb.buildTimeNsec,
    ino: c.i_ino!, iu: c.i_u!, xattrPos: pos + isize, xattrSize, tailPos: pos + isize + xattrSize,
  }
  checkInodeBounds(sb, inode)
  return inode
}

function checkInodeBounds(sb: SuperInfo, i: RawInode): void {
  const image = sb.blocks * sb.blockSize
  const bad = (what: string) => new FormatError(`erofs inode ${i.nid}: ${what} outside the image`)
  if (i.tailPos > image) throw bad('xattr area')
  const hasData = i.kind === 'reg' || i.kind === 'dir' || i.kind === 'symlink'
  if (!hasData) return
  if (i.kind === 'symlink' && i.size >= 4096) throw new FormatError(`erofs inode ${i.nid}: symlink of ${i.size} bytes`)
  const fullBlocks = i.layout === EROFS_INODE_FLAT_INLINE ? Math.floor(i.size / sb.blockSize) : Math.ceil(i.size / sb.blockSize)
  if (fullBlocks > 0 && i.iu + fullBlocks > sb.blocks) throw bad('data')
  if (i.layout === EROFS_INODE_FLAT_INLINE) {
    const tail = i.size % sb.blockSize
    if ((i.tailPos % sb.blockSize) + tail > sb.blockSize || i.tailPos + tail > image) throw bad('inline tail, or it crosses a block,')
  }
}

/** Parses an xattr area; `shared(id)` returns the bytes of a shared entry region starting at that id. */
export async function parseXattrs(
  nid: number,
  area: Uint8Array,
  shared: (id: number) => Promise<Uint8Array>,
): Promise<Map<string, Uint8Array>> {
  const out = new Map<string, Uint8Array>()
  if (area.length === 0) return out
  const h = decode(erofsXattrIbodyHeader, area)
  const count = h.h_shared_count as number
  let pos = erofsXattrIbodyHeader.size
  const view = new DataView(area.buffer, area.byteOffset, area.byteLength)
  if (pos + 4 * count > area.length) throw new FormatError(`erofs inode ${nid}: ${count} shared xattr ids overflow the xattr area`)
  for (let k = 0; k < count; k++, pos += 4) {
    const entry = await shared(view.getUint32(pos, true))
    addEntry(nid, out, entry, 0)
  }
  while (pos < area.length) pos = addEntry(nid, out, area, pos)
  return out
}

/** Decodes one entry at `pos` into `out`; returns the offset after it (aligned to 4). */
function addEntry(nid: number, out: Map<string, Uint8Array>, buf: Uint8Array, pos: number): number {
  if (pos + erofsXattrEntry.size > buf.length) throw new FormatError(`erofs inode ${nid}: truncated xattr entry at ${pos}`)
  const e = decode(erofsXattrEntry, buf, pos)
  const nameLen = e.e_name_len as number
  const valueSize = e.e_value_size as number
  const start = pos + erofsXattrEntry.size
  const end = start + nameLen + valueSize
  if (end > buf.length) throw new FormatError(`erofs inode ${nid}: xattr entry at ${pos} overflows its area`)
  const prefix = XATTR_PREFIXES.find(([index]) => index === e.e_name_index)
  if (!prefix) throw new FormatError(`erofs inode ${nid}: unknown xattr name index ${e.e_name_index as number}`)
  const name = prefix[1] + Buffer.from(buf.subarray(start, start + nameLen)).toString('latin1')
  out.set(name, Uint8Array.from(buf.subarray(start + nameLen, end)))
  return Math.ceil(end / 4) * 4
}

/** Parses one directory block (its used length already cut to the directory size). */
export function parseDirBlock(nid: number, block: Uint8Array): RawDirent[] {
  const where = `erofs directory ${nid}`
  if (block.length < erofsDirent.size) throw new FormatError(`${where}: block of ${block.length} bytes`)
  const first = decode(erofsDirent, block).nameoff as number
  if (first < erofsDirent.size || first % erofsDirent.size !== 0 || first > block.length) {
    throw new FormatError(`${where}: bad first name offset ${first}`)
  }
  const n = first / erofsDirent.size
  const out: RawDirent[] = []
  for (let k = 0; k < n; k++) {
    const d = decode(erofsDirent, block, k * erofsDirent.size)
    const start = d.nameoff as number
    let end: number
    if (k + 1 < n) end = decode(erofsDirent, block, (k + 1) * erofsDirent.size).nameoff as number
    else {
      const nul = block.indexOf(0, start)
      end = nul < 0 ? block.length : nul
    }
    if (start < first || end > block.length || end - start < 1 || end - start > EROFS_NAME_LEN) {
      throw new FormatError(`${where}: bad name bounds ${start}..${end}`)
    }
    out.push({ name: Buffer.from(block.subarray(start, end)).toString('latin1'), nid: d.nid as number, fileType: d.file_type as number })
  }
  return out
}
