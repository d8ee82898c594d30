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

export async function appendToInitrd(base: string, out: string, files: readonly HandOver[]): Promise<number> {
  const entries = entriesFor(files)
  const baseSize = (await stat(base)).size
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

/** Parent directories first (each once), then the files. */
function entriesFor(files: readonly HandOver[]): CpioEntry[] {
  const dirs = new Set<string>()
  const entries: CpioEntry[] = []
  for (const f of files) {
    if (!f.name || f.name.startsWith('/')) throw new UsageError(`hand-over name ${JSON.stringify(f.name)}: must be a relative path`)
    const parts = f.name.split('/')
    for (let i = 1; i < parts.length; i++) {
      const dir = parts.slice(0, i).join('/')
      if (!dirs.has(dir)) {
        dirs.add(dir)
        entries.push({ name: dir, type: 'dir' })
      }
    }
    entries.push({ name: f.name, type: 'file', source: f.source })
  }
  return entries
}
