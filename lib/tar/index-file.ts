// Indexes a tar that can be read at random offsets (an oci-archive on disk: a few huge blobs) by
// reading only header blocks and metadata records and seeking over data. Entries come from the
// same EntryAssembler as the push parser, so both agree on every field and offset.

import { FormatError } from '../errors.js'
import { EntryAssembler } from './assembler.js'
import type { TarEntry } from './entry.js'
import { BLOCK_SIZE, decodeHeader, loneZeroBlock, paddedSize, truncatedError } from './header.js'

/** Reads `length` bytes at `position`; the tar is `totalSize` bytes long. */
export type ReadAt = (position: number, length: number) => Promise<Uint8Array>

export async function indexTar(readAt: ReadAt, totalSize: number): Promise<TarEntry[]> {
  const assembler = new EntryAssembler()
  const entries: TarEntry[] = []
  let pos = 0
  let afterZero = false
  while (pos < totalSize) {
    if (totalSize - pos < BLOCK_SIZE) throw truncatedError('header', totalSize)
    const h = decodeHeader(await readExact(readAt, pos, BLOCK_SIZE), pos)
    const offset = pos
    pos += BLOCK_SIZE
    if (h === null) {
      if (afterZero) break // end marker: the rest is padding
      afterZero = true
      continue
    }
    if (afterZero) throw loneZeroBlock(offset)
    const step = assembler.header(h, offset)
    let body: number
    if (step.kind === 'meta') {
      if (pos + step.size > totalSize) throw truncatedError('metadata record', totalSize)
      assembler.meta(await readExact(readAt, pos, step.size))
      body = step.size
    } else if (step.kind === 'skip') {
      body = step.size
    } else {
      const e = step.entry
      if (pos + e.size > totalSize) throw truncatedError(`data of entry ${JSON.stringify(e.path)}`, totalSize)
      entries.push(e)
      body = e.size + step.skip
    }
    pos += paddedSize(body)
    if (pos > totalSize) throw truncatedError('padding', totalSize)
  }
  assembler.finish()
  return entries
}

async function readExact(readAt: ReadAt, position: number, length: number): Promise<Uint8Array> {
  if (length === 0) return new Uint8Array(0)
  const got = await readAt(position, length)
  if (got.length !== length) {
    throw new FormatError(`tar read at offset ${position}: got ${got.length} bytes, want ${length}`, { code: 'TAR_FORMAT' })
  }
  return got
}
