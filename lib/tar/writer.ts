// A small tar writer for oci-archives: POSIX ustar headers from the TAR_HEADER field table, with a
// PAX 'x' record in front of any entry whose name or size does not fit ustar. Output is
// deterministic: uid/gid 0, no user names, the mtime given (default 0).

import { encode } from '../binary/struct.js'
import { SizeMismatchError, UsageError } from '../errors.js'
import { BLOCK_SIZE, paddedSize, TAR_HEADER } from './header.js'

export interface TarWriteEntry {
  /** Byte string (latin1), relative, '/'-separated; directories may end in '/'. */
  name: string
  type: 'file' | 'dir'
  /** Permission bits; default 0o644 for files, 0o755 for directories. */
  mode?: number
  mtimeSec?: number
  /** Files: exact byte count of `body`. */
  size?: number
  /** Files: the content, read once; must yield exactly `size` bytes. */
  body?: () => AsyncIterable<Uint8Array>
}

const F = TAR_HEADER.byName
const TYPEFLAG = { file: 0x30, dir: 0x35, pax: 0x78 } as const // '0', '5', 'x'
const USTAR_MAGIC = Buffer.from('ustar\0', 'latin1')
const USTAR_VERSION = Buffer.from('00', 'latin1')
/** Largest size an 11-digit octal field holds; bigger sizes go into a PAX record. */
const MAX_OCTAL_SIZE = 8 ** 11 - 1
const END_OF_ARCHIVE = Buffer.alloc(2 * BLOCK_SIZE)

/** The tar stream of `entries`, ending with two zero blocks. */
export async function* writeTar(entries: Iterable<TarWriteEntry> | AsyncIterable<TarWriteEntry>): AsyncGenerator<Buffer> {
  for await (const entry of entries) yield* writeEntry(entry)
  yield END_OF_ARCHIVE
}

async function* writeEntry(e: TarWriteEntry): AsyncGenerator<Buffer> {
  const name = e.type === 'dir' && !e.name.endsWith('/') ? `${e.name}/` : e.name
  if (name === '' || name.includes('\0')) throw new UsageError(`tar entry ${JSON.stringify(name)}: invalid name`)
  const size = e.type === 'file' ? (e.size ?? 0) : 0
  const pax = new Map<string, Buffer>()
  if (Buffer.byteLength(name, 'latin1') > F.name.size) pax.set('path', Buffer.from(name, 'latin1'))
  if (size > MAX_OCTAL_SIZE) pax.set('size', Buffer.from(String(size), 'latin1'))
  if (pax.size > 0) {
    const body = paxBody(pax)
    yield header({ name: paxName(name), typeflag: TYPEFLAG.pax, size: body.length, mode: 0o644, mtime: 0 })
    yield* padded(body)
  }
  yield header({
    name: truncateName(name),
    typeflag: TYPEFLAG[e.type],
    size: size > MAX_OCTAL_SIZE ? 0 : size,
    mode: e.mode ?? (e.type === 'dir' ? 0o755 : 0o644),
    mtime: e.mtimeSec ?? 0,
  })
  if (e.type === 'file') yield* fileData(name, size, e.body)
}

async function* fileData(name: string, size: number, body: TarWriteEntry['body']): AsyncGenerator<Buffer> {
  let got = 0
  if (body) {
    for await (const chunk of body()) {
      got += chunk.length
      if (got > size) throw new SizeMismatchError(`tar entry ${name}`, got, size)
      yield Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length)
    }
  }
  if (got !== size) throw new SizeMismatchError(`tar entry ${name}`, got, size)
  const pad = paddedSize(size) - size
  if (pad > 0) yield Buffer.alloc(pad)
}

interface HeaderFields {
  name: string
  typeflag: number
  size: number
  mode: number
  mtime: number
}

function header(h: HeaderFields): Buffer {
  const block = Buffer.alloc(BLOCK_SIZE)
  encode(TAR_HEADER, block, 0, {
    name: h.name, mode: h.mode, uid: 0, gid: 0, size: h.size, mtime: h.mtime, typeflag: h.typeflag,
    magic: USTAR_MAGIC, version: USTAR_VERSION, devmajor: 0, devminor: 0,
  })
  // The checksum is computed with its own field read as spaces.
  block.fill(0x20, F.chksum.offset, F.chksum.offset + F.chksum.size)
  let sum = 0
  for (const b of block) sum += b
  encode(TAR_HEADER, block, 0, { chksum: sum })
  return block
}

/** PAX records "LEN KEY=VALUE\n", where LEN counts the whole record including its own digits. */
export function paxBody(records: ReadonlyMap<string, Buffer>): Buffer {
  const parts: Buffer[] = []
  for (const [key, value] of records) {
    const rest = Buffer.byteLength(key, 'latin1') + value.length + 3 // ' ', '=', '\n'
    let len = rest + String(rest).length
    if (String(len).length !== String(rest).length) len = rest + String(len).length
    parts.push(Buffer.from(`${len} ${key}=`, 'latin1'), value, Buffer.from('\n', 'latin1'))
  }
  return Buffer.concat(parts)
}

/** GNU tar's style: the PAX header gets a name of its own that fits ustar. */
function paxName(name: string): string {
  const base = name.replace(/\/+$/, '').split('/').pop() ?? 'entry'
  return truncateName(`PaxHeaders.0/${base}`)
}

function truncateName(name: string): string {
  return Buffer.from(name, 'latin1').subarray(0, F.name.size).toString('latin1')
}

function* padded(data: Buffer): Generator<Buffer> {
  yield data
  const pad = paddedSize(data.length) - data.length
  if (pad > 0) yield Buffer.alloc(pad)
}
