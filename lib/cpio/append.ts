// The next boot stage's initramfs for kexec: the image's own initramfs, unchanged and first (its
// early microcode cpio must stay at the front), followed by a newc cpio carrying files we hand over
// (the archive or EROFS image already in RAM). The kernel unpacks concatenated cpio archives in
// order. Each handed-over file is streamed once: the extra memory is one copy, not several.

import { createReadStream, createWriteStream } from 'node:fs'
import { stat } from 'node:fs/promises'
import { pipeline } from 'node:stream/promises'
import { Readable } from 'node:stream'
import { writeAtomically } from '../fs/atomic.js'
import { UsageError } from '../errors.js'
import { writeNewc, type CpioEntry } from './newc.js'

export interface HandOver {
  /** Path inside the next initramfs, relative ("bootc-live/root.oci"). */
  readonly name: string
  /** File to copy there. */
  readonly source: string
}

/** The kernel's initramfs unpacker skips a name whose c_namesize (with the NUL) exceeds PATH_MAX. */
const PATH_MAX = 4096

export async function appendToInitrd(base: string, out: string, files: readonly HandOver[]): Promise<number> {
  const entries = entriesFor(files)
  // newc needs each size up front, and a directory or FIFO has none to give.
  const baseSize = await regularFileSize(base, 'initramfs')
  for (const f of files) await regularFileSize(f.source, `hand-over ${f.name}`)
  return writeAtomically(out, async tmp => {
    await pipeline(createReadStream(base), createWriteStream(tmp))
    // newc headers must start on a 4-byte boundary of the whole stream.
    const padding = Buffer.alloc((4 - (baseSize % 4)) % 4)
    await pipeline(Readable.from(withPrefix(padding, writeNewc(entries))), createWriteStream(tmp, { flags: 'a' }))
    return (await stat(tmp)).size
  })
}

async function* withPrefix(prefix: Buffer, rest: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  if (prefix.length > 0) yield prefix
  yield* rest
}

async function regularFileSize(path: string, what: string): Promise<number> {
  const st = await stat(path)
  if (!st.isFile()) throw new UsageError(`${what}: ${path}: not a regular file`)
  return st.size
}

/** Parent directories first (each once), then the files; each name once, as file or directory. */
function entriesFor(files: readonly HandOver[]): CpioEntry[] {
  const dirs = new Set<string>()
  const names = new Set<string>()
  const entries: CpioEntry[] = []
  for (const f of files) {
    const parts = checkName(f.name)
    if (names.has(f.name)) badName(f.name, 'given twice')
    if (dirs.has(f.name)) badName(f.name, 'is also the directory of another name')
    for (let i = 1; i < parts.length; i++) {
      const dir = parts.slice(0, i).join('/')
      if (names.has(dir)) badName(f.name, `its directory ${JSON.stringify(dir)} is also a file`)
      if (!dirs.has(dir)) {
        dirs.add(dir)
        entries.push({ name: dir, type: 'dir' })
      }
    }
    names.add(f.name)
    entries.push({ name: f.name, type: 'file', source: f.source })
  }
  return entries
}

/** A name the kernel unpacks as given: relative, clean, no control characters, within PATH_MAX. */
function checkName(name: string): string[] {
  const parts = name.split('/')
  if (name.startsWith('/') || parts.some(p => p === '' || p === '.' || p === '..')) {
    badName(name, "must be a relative path without empty, '.' or '..' components")
  }
  if (/[\x00-\x1f\x7f]/.test(name)) badName(name, 'holds a control character')
  const bytes = Buffer.byteLength(name) + 1
  if (bytes > PATH_MAX) badName(name, `${bytes} bytes with the NUL, more than the kernel's PATH_MAX (${PATH_MAX})`)
  return parts
}

function badName(name: string, why: string): never {
  throw new UsageError(`hand-over name ${JSON.stringify(name)}: ${why}`)
}
