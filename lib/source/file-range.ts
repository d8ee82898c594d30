// Positional reads of a byte range of an open file in 1 MiB chunks: blobs are streamed, never held.

import { open, type FileHandle } from 'node:fs/promises'
import { FormatError, ioError } from '../errors.js'

export const READ_CHUNK = 1024 * 1024

/**
 * Yields bytes [start, start + length) of `fh`; a file that ends early is a FormatError, a failed
 * read an IO error naming `what` (the descriptor's error carries no path).
 */
export async function* readRange(fh: FileHandle, start: number, length: number, what: string): AsyncGenerator<Buffer> {
  let at = 0
  while (at < length) {
    const buf = Buffer.allocUnsafe(Math.min(READ_CHUNK, length - at))
    const { bytesRead } = await fh.read(buf, 0, buf.length, start + at).catch(err => {
      throw ioError(what, err)
    })
    if (bytesRead === 0) throw new FormatError(`${what}: file ends after ${at} of ${length} bytes`)
    at += bytesRead
    yield bytesRead === buf.length ? buf : buf.subarray(0, bytesRead)
  }
}

/** Yields the first `size` bytes of the file at `path`, opened only while it is read. */
export async function* readFileStart(path: string, size: number, what: string): AsyncGenerator<Buffer> {
  const fh = await open(path, 'r')
  try {
    yield* readRange(fh, 0, size, what)
  } finally {
    await fh.close()
  }
}

/** Exactly `length` bytes at `position` (for small reads: headers, JSON). */
export async function readExact(fh: FileHandle, position: number, length: number, what: string): Promise<Buffer> {
  const chunks: Buffer[] = []
  for await (const chunk of readRange(fh, position, length, what)) chunks.push(chunk)
  return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, length)
}
