// gzip through node:zlib. zlib runs inflate on the libuv thread pool, so inflating overlaps with
// whatever the consumer does on the main thread. Concatenated members (eStargz layers, pigz -i)
// are decoded one after another by Gunzip itself.

import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { createGunzip, type ZlibOptions } from 'node:zlib'
import { BootcLiveError, DecompressError } from '../errors.js'

/** Output chunk size. */
export const GZIP_OUT_CHUNK = 1024 * 1024
/** The stream's readable high-water mark (the default, 16 KiB, stops inflating after every chunk). */
const GZIP_READ_AHEAD = 4 * GZIP_OUT_CHUNK
/** Input is fed in pieces of at least this size: every write is one trip through the thread pool. */
export const GZIP_IN_CHUNK = 1024 * 1024

export async function* gunzip(src: AsyncIterable<Buffer>, what: string): AsyncGenerator<Buffer> {
  // Up to GZIP_READ_AHEAD decoded ahead of the consumer, so inflating overlaps with its work.
  const z = createGunzip({ chunkSize: GZIP_OUT_CHUNK, readableHighWaterMark: GZIP_READ_AHEAD } as ZlibOptions)
  let feedError: unknown
  // pipeline destroys `z` with the source's error, so iterating `z` below throws it unchanged.
  const input = Readable.from(coalesce(src, GZIP_IN_CHUNK))
  const feeding = pipeline(input, z).catch(err => {
    feedError = err
  })
  try {
    for await (const chunk of z) yield chunk as Buffer
    await feeding
    if (feedError !== undefined) throw feedError
  } catch (err) {
    throw wrapDecompressError(err, what, 'gzip')
  } finally {
    // On an early stop this makes pipeline destroy the source too; 'close' comes after the source
    // iterator's return() has run, so its file is closed when we return.
    z.destroy()
    await feeding
    if (!input.closed) await new Promise(resolve => input.once('close', resolve))
  }
}

/** Joins small chunks (network reads are often 16-64 KiB) into pieces of at least `min` bytes. */
export async function* coalesce(src: AsyncIterable<Buffer>, min: number): AsyncGenerator<Buffer> {
  let parts: Buffer[] = []
  let have = 0
  for await (const chunk of src) {
    if (have === 0 && chunk.length >= min) {
      yield chunk
      continue
    }
    parts.push(chunk)
    have += chunk.length
    if (have < min) continue
    yield Buffer.concat(parts, have)
    parts = []
    have = 0
  }
  if (have > 0) yield Buffer.concat(parts, have)
}

/** Errors from the source (digest checks) pass through; codec errors become DecompressError. */
export function wrapDecompressError(err: unknown, what: string, codec: string): unknown {
  if (err instanceof BootcLiveError) return err
  const message = err instanceof Error ? err.message : String(err)
  return new DecompressError(`${what}: ${codec}: ${message.toLowerCase()}`, { cause: err })
}
