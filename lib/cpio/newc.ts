// The newc ("070701") cpio format the kernel unpacks initramfs images from: a 110-byte ASCII-hex
// header, the NUL-terminated name padded to 4 bytes, the data padded to 4, and a TRAILER!!! entry.
// Written as a stream so a large file (an OCI archive handed to the next boot stage) is copied
// once, chunk by chunk, never held whole in memory.

import { open } from 'node:fs/promises'
import { defineStruct, encode } from '../binary/struct.js'
import { SizeMismatchError, UsageError } from '../errors.js'

export const NEWC_MAGIC = '070701'
export const NEWC_TRAILER = 'TRAILER!!!'

export const NEWC_HEADER = defineStruct('cpio newc header', 110, [
  ['c_magic', 6, 'string'],
  ['c_ino', 8, 'hex'],
  ['c_mode', 8, 'hex'], // file type and permission bits (S_IFREG | 0644)
  ['c_uid', 8, 'hex'],
  ['c_gid', 8, 'hex'],
  ['c_nlink', 8, 'hex'],
  ['c_mtime', 8, 'hex'], // seconds
  ['c_filesize', 8, 'hex'], // bytes of data; at most 4 GiB - 1
  ['c_devmajor', 8, 'hex'],
  ['c_devminor', 8, 'hex'],
  ['c_rdevmajor', 8, 'hex'],
  ['c_rdevminor', 8, 'hex'],
  ['c_namesize', 8, 'hex'], // name length including the NUL
  ['c_check', 8, 'hex'], // 0 for newc (070702 would carry a checksum)
])

const S_IFREG = 0o100000
const S_IFDIR = 0o040000
const CHUNK = 1 << 20

export interface CpioEntry {
  /** Name inside the archive, relative ("root.oci", "etc/x"). */
  readonly name: string
  readonly type: 'file' | 'dir'
  readonly mode?: number
  /** For files: the path to copy the data from. */
  readonly source?: string
}

const pad4 = (n: number) => (4 - (n % 4)) % 4

function header(ino: number, mode: number, size: number, name: string): Buffer {
  const nameBytes = Buffer.from(`${name}\0`) // UTF-8, as names come from argv and file names
  const buf = Buffer.alloc(NEWC_HEADER.size + nameBytes.length + pad4(NEWC_HEADER.size + nameBytes.length))
  encode(NEWC_HEADER, buf, 0, {
    c_magic: NEWC_MAGIC,
    c_ino: ino,
    c_mode: mode,
    c_uid: 0,
    c_gid: 0,
    c_nlink: mode & S_IFDIR ? 2 : 1,
    c_mtime: 0,
    c_filesize: size,
    c_devmajor: 0,
    c_devminor: 0,
    c_rdevmajor: 0,
    c_rdevminor: 0,
    c_namesize: nameBytes.length,
    c_check: 0,
  })
  nameBytes.copy(buf, NEWC_HEADER.size)
  return buf
}

/** Streams a newc archive of `entries` (owners 0:0, times 0), ending with the trailer. */
export async function* writeNewc(entries: Iterable<CpioEntry>): AsyncGenerator<Buffer> {
  let ino = 1
  for (const e of entries) {
    if (e.name === '' || e.name.startsWith('/') || e.name.split('/').includes('..')) {
      throw new UsageError(`cpio entry ${JSON.stringify(e.name)}: names must be relative and stay inside the archive`)
    }
    if (e.type === 'dir') {
      yield header(ino++, S_IFDIR | (e.mode ?? 0o755), 0, e.name)
      continue
    }
    const fh = await open(e.source!, 'r')
    try {
      const size = (await fh.stat()).size
      if (size > 0xffffffff) throw new UsageError(`cpio entry ${e.name}: ${size} bytes do not fit newc's 4 GiB limit`)
      yield header(ino++, S_IFREG | (e.mode ?? 0o644), size, e.name)
      let at = 0
      while (at < size) {
        const buf = Buffer.allocUnsafe(Math.min(CHUNK, size - at))
        const { bytesRead } = await fh.read(buf, 0, buf.length, at)
        if (bytesRead === 0) throw new SizeMismatchError(`cpio entry ${e.name}: ${e.source}`, at, size)
        at += bytesRead
        yield buf.subarray(0, bytesRead)
      }
      yield Buffer.alloc(pad4(size))
    } finally {
      await fh.close()
    }
  }
  yield header(0, 0, 0, NEWC_TRAILER)
}
