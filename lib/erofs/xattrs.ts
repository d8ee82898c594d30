// Xattr planning and encoding: name prefixes to indexes, the choice of shared xattrs (values used by
// several inodes), and the byte form of entries. Everything is sorted so Map insertion order never
// reaches the image.

import { Buffer } from 'node:buffer'
import { LimitError, UnsupportedError } from '../errors.js'
import { encode } from '../binary/struct.js'
import {
  EROFS_BLKSIZ,
  EROFS_NAME_LEN,
  EROFS_SHARED_XATTR_ID_SIZE,
  EROFS_XATTR_ALIGN,
  EROFS_XATTR_INDEX_LUSTRE,
  XATTR_PREFIXES,
  erofsXattrEntry,
  erofsXattrIbodyHeader,
} from './format.js'

export interface XattrEntry {
  /** Full name as a byte string ("security.capability"). */
  readonly name: string
  readonly index: number
  /** The name without its prefix, as a byte string. */
  readonly suffix: string
  readonly value: Uint8Array
  /** Sort and identity key: name, NUL, value (all byte strings). */
  readonly key: string
}

export interface InodeXattrs {
  /** Shared xattr ids (4-byte units from xattr_blkaddr), ascending. */
  readonly sharedIds: readonly number[]
  readonly inline: readonly XattrEntry[]
  /** i_xattr_icount (0 when the inode has no xattrs). */
  readonly icount: number
  /** Size of the xattr area after the inode, in bytes. */
  readonly sizeBytes: number
}

export interface SharedXattr {
  readonly entry: XattrEntry
  /** Byte offset inside the shared area (id * 4). */
  readonly offset: number
}

export const NO_XATTRS: InodeXattrs = Object.freeze({ sharedIds: [], inline: [], icount: 0, sizeBytes: 0 })

/** Most shared ids one inode can reference (h_shared_count is a u8). */
const MAX_SHARED_PER_INODE = 0xff
const MAX_ICOUNT = 0xffff
const MAX_VALUE = 0xffff

/** Splits a full xattr name into its EROFS name index and suffix; rejects names EROFS cannot store. */
export function toXattrEntry(name: string, value: Uint8Array): XattrEntry {
  for (const [index, prefix] of XATTR_PREFIXES) {
    if (index === EROFS_XATTR_INDEX_LUSTRE) continue // no kernel handler: it would be invisible
    const exact = !prefix.endsWith('.')
    if (exact ? name !== prefix : !name.startsWith(prefix) || name.length === prefix.length) continue
    const suffix = name.slice(prefix.length)
    if (suffix.length > EROFS_NAME_LEN) throw new LimitError(`xattr ${JSON.stringify(name)}: name longer than ${EROFS_NAME_LEN} bytes after its prefix`)
    if (value.length > MAX_VALUE) throw new LimitError(`xattr ${JSON.stringify(name)}: value of ${value.length} bytes exceeds ${MAX_VALUE}`)
    return { name, index, suffix, value, key: `${name}\0${Buffer.from(value).toString('latin1')}` }
  }
  throw new UnsupportedError(`xattr ${JSON.stringify(name)}: erofs can only store user., trusted., security. and posix acl names`)
}

/** Bytes one entry takes, padded to 4 (erofs_xattr_entry_size). */
export function xattrEntrySize(e: XattrEntry): number {
  return alignUp(erofsXattrEntry.size + e.suffix.length + e.value.length, EROFS_XATTR_ALIGN)
}

function compareKeys(a: XattrEntry, b: XattrEntry): number {
  return a.key < b.key ? -1 : a.key > b.key ? 1 : 0
}

/**
 * Chooses shared xattrs: an inode shares its (name, value) pairs that other inodes also carry, the most
 * common first (ties by key), at most 255 of them; the shared area holds them sorted by key.
 */
export function planXattrs(perInode: ReadonlyArray<readonly XattrEntry[]>): { shared: SharedXattr[]; inodes: InodeXattrs[]; areaBytes: number } {
  const counts = new Map<string, number>()
  for (const entries of perInode) for (const e of entries) counts.set(e.key, (counts.get(e.key) ?? 0) + 1)
  const byCount = (a: XattrEntry, b: XattrEntry) => counts.get(b.key)! - counts.get(a.key)! || compareKeys(a, b)

  const chosen = perInode.map(entries =>
    entries.filter(e => counts.get(e.key)! > 1).sort(byCount).slice(0, MAX_SHARED_PER_INODE),
  )
  const sharedByKey = new Map<string, XattrEntry>()
  for (const list of chosen) for (const e of list) sharedByKey.set(e.key, e)
  const sharedSorted = [...sharedByKey.values()].sort(compareKeys)

  const shared: SharedXattr[] = []
  const offsetByKey = new Map<string, number>()
  let pos = 0
  for (const entry of sharedSorted) {
    const size = xattrEntrySize(entry)
    // keep each shared entry inside one block when it can be (no reader has to stitch it)
    if ((pos % EROFS_BLKSIZ) + size > EROFS_BLKSIZ && size <= EROFS_BLKSIZ) pos = alignUp(pos, EROFS_BLKSIZ)
    shared.push({ entry, offset: pos })
    offsetByKey.set(entry.key, pos)
    pos += size
  }

  const inodes = perInode.map((entries, i) => {
    if (entries.length === 0) return NO_XATTRS
    const sharedKeys = new Set(chosen[i]!.map(e => e.key))
    const sharedIds = chosen[i]!.map(e => offsetByKey.get(e.key)! / EROFS_SHARED_XATTR_ID_SIZE).sort((a, b) => a - b)
    const inline = entries.filter(e => !sharedKeys.has(e.key)).sort(compareKeys)
    let sizeBytes = erofsXattrIbodyHeader.size + EROFS_SHARED_XATTR_ID_SIZE * sharedIds.length
    for (const e of inline) sizeBytes += xattrEntrySize(e)
    const icount = (sizeBytes - erofsXattrIbodyHeader.size) / 4 + 1
    if (icount > MAX_ICOUNT) throw new LimitError(`xattrs of one inode take ${sizeBytes} bytes, more than erofs can address`)
    return { sharedIds, inline, icount, sizeBytes }
  })
  return { shared, inodes, areaBytes: pos }
}

/** Writes one entry at `at`; returns the offset after it (padding left zero). */
export function encodeXattrEntry(buf: Uint8Array, at: number, e: XattrEntry): number {
  encode(erofsXattrEntry, buf, at, { e_name_len: e.suffix.length, e_name_index: e.index, e_value_size: e.value.length })
  const nameAt = at + erofsXattrEntry.size
  buf.set(Buffer.from(e.suffix, 'latin1'), nameAt)
  buf.set(e.value, nameAt + e.suffix.length)
  return at + xattrEntrySize(e)
}

/** Writes an inode's xattr area (header, shared ids, inline entries) at `at`. */
export function encodeInodeXattrs(buf: Uint8Array, at: number, x: InodeXattrs): void {
  if (x.icount === 0) return
  encode(erofsXattrIbodyHeader, buf, at, { h_name_filter: 0, h_shared_count: x.sharedIds.length })
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength)
  let pos = at + erofsXattrIbodyHeader.size
  for (const id of x.sharedIds) {
    view.setUint32(pos, id, true)
    pos += EROFS_SHARED_XATTR_ID_SIZE
  }
  for (const e of x.inline) pos = encodeXattrEntry(buf, pos, e)
}

export function alignUp(n: number, to: number): number {
  return Math.ceil(n / to) * to
}
