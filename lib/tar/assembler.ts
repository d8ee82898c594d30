// Turns a run of header blocks (GNU long names, PAX records, then the real header) into one TarEntry.
// The only implementation of "headers -> TarEntry": the push parser and the seeking indexer both
// drive it, and differ only in how they get the bytes.
//
// Typeflags, following GNU tar 1.34 (extract.c) where POSIX leaves room:
//   '0' '\0' '7' file ('\0' with a trailing '/' is a directory: the old v7 convention; Go and python do
//   the same, and a '0' entry with a trailing '/' stays a regular file)
//   '1' hardlink, '2' symlink, '3' chr, '4' blk, '5' dir, '6' fifo
//   'D' GNU dumpdir: a directory; its data (the incremental listing) is skipped
//   'x' (and Solaris 'X') PAX records for the next entry; 'g' global PAX: skipped, as GNU tar does
//   'L' / 'K' GNU long name / long link target for the next entry; 'V' GNU volume label: skipped
//   'S' GNU sparse, 'M' GNU multi-volume continuation: UnsupportedError
//   anything else: a regular file with data (GNU tar: "unknown file type, extracted as normal file")
// Only file entries carry data: for link, device, directory and fifo entries the header size is
// ignored and no data blocks follow (POSIX ustar, Go archive/tar and python tarfile agree).

import { FormatError, LimitError, UnsupportedError } from '../errors.js'
import type { TarEntry, TarEntryType } from './entry.js'
import { BLOCK_SIZE, type RawHeader } from './header.js'
import { applyPax, parsePax, type PaxRecords } from './pax.js'

/** Largest PAX or long-name record we buffer (node-tar's maxMetaEntrySize). */
export const MAX_META_SIZE = 1024 * 1024

/** What the driver must do with the bytes after a header. */
export type Step =
  /** Read `size` bytes (padded to blocks) and hand them to meta(). */
  | { readonly kind: 'meta'; readonly size: number }
  /** An entry: `entry.size` data bytes follow, then `skip` bytes to ignore, then padding. */
  | { readonly kind: 'entry'; readonly entry: TarEntry; readonly skip: number }
  /** Ignore `size` bytes (padded to blocks). */
  | { readonly kind: 'skip'; readonly size: number }

const TYPES: Readonly<Record<string, TarEntryType>> = {
  '0': 'file',
  '\0': 'file',
  '7': 'file',
  '1': 'hardlink',
  '2': 'symlink',
  '3': 'chr',
  '4': 'blk',
  '5': 'dir',
  '6': 'fifo',
  D: 'dir',
}

const UNSUPPORTED: Readonly<Record<string, string>> = {
  S: 'gnu sparse files are not supported',
  M: 'gnu multi-volume continuations are not supported',
}

const META_TYPES = new Set(['x', 'X', 'L', 'K'])
const SKIPPED_TYPES = new Set(['g', 'V'])

export class EntryAssembler {
  #pax: PaxRecords | null = null
  #longName: string | null = null
  #longLink: string | null = null
  /** Typeflag and header offset of the metadata record being read, or of the last one. */
  #metaType = ''
  #metaOffset = -1

  /** Consumes one decoded header; `offset` is where its block starts in the stream. */
  header(h: RawHeader, offset: number): Step {
    const where = `tar header at offset ${offset}`
    if (META_TYPES.has(h.typeflag)) {
      if (h.size > MAX_META_SIZE) {
        throw new LimitError(`${where}: metadata record of ${h.size} bytes exceeds the limit of ${MAX_META_SIZE}`)
      }
      this.#metaType = h.typeflag
      this.#metaOffset = offset
      return { kind: 'meta', size: h.size }
    }
    if (SKIPPED_TYPES.has(h.typeflag)) return { kind: 'skip', size: h.size }
    return this.#entry(h, offset, where)
  }

  /** The body of the metadata record announced by the last header() step. */
  meta(body: Uint8Array): void {
    const where = `tar header at offset ${this.#metaOffset}`
    if (this.#metaType === 'L') this.#longName = cString(body)
    else if (this.#metaType === 'K') this.#longLink = cString(body)
    else this.#pax = parsePax(body, where, this.#pax ?? new Map())
  }

  /** Call at the end of the archive: metadata records must be followed by their entry. */
  finish(): void {
    if (this.#pax !== null || this.#longName !== null || this.#longLink !== null) {
      const where = `tar header at offset ${this.#metaOffset}`
      throw new FormatError(`${where}: truncated archive: metadata record without its entry`, { code: 'TAR_FORMAT' })
    }
  }

  #entry(h: RawHeader, offset: number, where: string): Step {
    const entry: TarEntry = {
      path: this.#longName ?? h.name,
      type: 'file',
      mode: h.mode & 0o7777,
      uid: h.uid,
      gid: h.gid,
      mtimeSec: h.mtime,
      mtimeNsec: 0,
      size: h.size,
      linkpath: this.#longLink ?? h.linkname,
      devmajor: h.devmajor,
      devminor: h.devminor,
      xattrs: null,
      dataOffset: offset + BLOCK_SIZE,
    }
    const pax = this.#pax
    this.#pax = this.#longName = this.#longLink = null
    if (pax !== null) applyPax(entry, pax, where)
    const refused = UNSUPPORTED[h.typeflag]
    if (refused !== undefined) throw new UnsupportedError(`tar entry ${JSON.stringify(entry.path)}: ${refused}`)
    entry.type = entryType(h.typeflag, entry.path)
    const skip = h.typeflag === 'D' ? entry.size : 0
    if (entry.type !== 'file') entry.size = 0
    if (entry.type !== 'hardlink' && entry.type !== 'symlink') entry.linkpath = ''
    if (entry.type !== 'chr' && entry.type !== 'blk') entry.devmajor = entry.devminor = 0
    return { kind: 'entry', entry, skip }
  }
}

function entryType(typeflag: string, path: string): TarEntryType {
  if (typeflag === '\0' && path.endsWith('/')) return 'dir'
  return TYPES[typeflag] ?? 'file'
}

/** GNU long names are NUL-terminated inside their record. */
function cString(body: Uint8Array): string {
  const nul = body.indexOf(0)
  return Buffer.from(body.buffer, body.byteOffset, nul === -1 ? body.length : nul).toString('latin1')
}
