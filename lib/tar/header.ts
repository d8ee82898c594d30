// The 512-byte tar header block (POSIX ustar, with the GNU and v7 variants), decoded into the raw
// fields one block carries. Turning a run of blocks into a TarEntry is assembler.ts's job.

import { defineStruct, readField, type FieldSpec } from '../binary/struct.js'
import { FormatError } from '../errors.js'

/** Header and data are stored in blocks of this many bytes. */
export const BLOCK_SIZE = 512

/** POSIX ustar header; field names as in the standard. GNU keeps atime/ctime/sparse maps in prefix. */
export const TAR_HEADER = defineStruct('tar header', BLOCK_SIZE, [
  ['name', 100, 'string'], // 0
  ['mode', 8, 'octal'], // 100
  ['uid', 8, 'octal'], // 108
  ['gid', 8, 'octal'], // 116
  ['size', 12, 'octal'], // 124, bytes of data
  ['mtime', 12, 'octal'], // 136, seconds since the epoch
  ['chksum', 8, 'octal'], // 148, sum of the header bytes with chksum read as spaces
  ['typeflag', 1, 'u8'], // 156
  ['linkname', 100, 'string'], // 157
  ['magic', 6, 'bytes'], // 257
  ['version', 2, 'bytes'], // 263
  ['uname', 32, 'string'], // 265
  ['gname', 32, 'string'], // 297
  ['devmajor', 8, 'octal'], // 329
  ['devminor', 8, 'octal'], // 337
  ['prefix', 155, 'string'], // 345, ustar only: joined to name with '/'
  ['pad', 12, 'bytes'], // 500
])

/** 'ustar\0' + '00': POSIX ustar and pax. 'ustar  \0' (magic + version): GNU. Anything else: v7. */
export type TarFormat = 'ustar' | 'gnu' | 'v7'

const USTAR_MAGIC = 'ustar\0'
const USTAR_VERSION = '00'
const GNU_MAGIC = 'ustar '
const GNU_VERSION = ' \0'

/** What one header block says, before long names and PAX records are applied. */
export interface RawHeader {
  format: TarFormat
  /** Byte string; ustar prefix already joined. */
  name: string
  linkname: string
  /** The typeflag character ('\0' for a NUL byte). */
  typeflag: string
  mode: number
  uid: number
  gid: number
  size: number
  mtime: number
  devmajor: number
  devminor: number
}

const F = TAR_HEADER.byName
const CHKSUM_SPACES = 8 * 0x20

/** Decodes one header block; null for an all-zero block (end of archive). */
export function decodeHeader(block: Uint8Array, offset: number): RawHeader | null {
  if (isZeroBlock(block)) return null
  const where = `tar header at offset ${offset}`
  checkChecksum(block, where)
  const format = detectFormat(block)
  const name = field(block, F.name, where) as string
  const prefix = format === 'ustar' ? (field(block, F.prefix, where) as string) : ''
  const hasDevices = format !== 'v7'
  return {
    format,
    name: prefix === '' ? name : `${prefix}/${name}`,
    linkname: field(block, F.linkname, where) as string,
    typeflag: String.fromCharCode(block[F.typeflag.offset]!),
    mode: field(block, F.mode, where) as number,
    uid: field(block, F.uid, where) as number,
    gid: field(block, F.gid, where) as number,
    size: field(block, F.size, where) as number,
    mtime: field(block, F.mtime, where) as number,
    devmajor: hasDevices ? (field(block, F.devmajor, where) as number) : 0,
    devminor: hasDevices ? (field(block, F.devminor, where) as number) : 0,
  }
}

/** Rounds a data size up to whole blocks. */
export function paddedSize(size: number): number {
  return Math.ceil(size / BLOCK_SIZE) * BLOCK_SIZE
}

export function isZeroBlock(block: Uint8Array): boolean {
  for (let i = 0; i < BLOCK_SIZE; i++) if (block[i] !== 0) return false
  return true
}

/** Some old tars summed signed chars; accept either sum, as GNU tar and python's tarfile do. */
function checkChecksum(block: Uint8Array, where: string): void {
  const want = field(block, F.chksum, where) as number
  const start = F.chksum.offset
  const end = start + F.chksum.size
  let unsigned = CHKSUM_SPACES
  let signed = CHKSUM_SPACES
  for (let i = 0; i < BLOCK_SIZE; i++) {
    if (i === start) i = end
    const b = block[i]!
    unsigned += b
    signed += b < 0x80 ? b : b - 0x100
  }
  if (want !== unsigned && want !== signed) {
    throw new FormatError(`${where}: checksum mismatch: got ${unsigned}, want ${want}`, { code: 'TAR_FORMAT' })
  }
}

function detectFormat(block: Uint8Array): TarFormat {
  const magic = latin1(block, F.magic)
  const version = latin1(block, F.version)
  if (magic === USTAR_MAGIC && version === USTAR_VERSION) return 'ustar'
  if (magic === GNU_MAGIC && version === GNU_VERSION) return 'gnu'
  return 'v7'
}

function latin1(block: Uint8Array, f: FieldSpec): string {
  return String.fromCharCode(...block.subarray(f.offset, f.offset + f.size))
}

/** readField throws RangeError on bad octal; bad input must surface as a TAR_FORMAT error. */
function field(block: Uint8Array, f: FieldSpec, where: string): number | Uint8Array | string {
  try {
    return readField(block, 0, f)
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err)
    throw new FormatError(`${where}: ${why}`, { code: 'TAR_FORMAT', cause: err })
  }
}

/** The one error for input that ends inside a header, record, data or padding. */
export function truncatedError(what: string, at: number): FormatError {
  return new FormatError(`truncated tar ${what} at offset ${at}`, { code: 'TAR_FORMAT' })
}

/** One zero block must be followed by another (end of archive) or EOF, as in Go's archive/tar. */
export function loneZeroBlock(offset: number): FormatError {
  return new FormatError(`tar header at offset ${offset}: follows a lone zero block`, { code: 'TAR_FORMAT' })
}
