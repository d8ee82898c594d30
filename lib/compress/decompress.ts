// One entry point: look at the first bytes, then hand the whole stream to the matching decoder.

import { gunzip } from './gzip.js'
import { SNIFF_BYTES, sniffCompression, type Compression } from './sniff.js'
import { unzstd } from './zstd.js'

/** Decompresses `src` by its magic bytes; plain data passes through unchanged. */
export async function* decompress(src: AsyncIterable<Buffer>, what: string): AsyncGenerator<Buffer> {
  const { compression, stream } = await peekCompression(src)
  if (compression === 'gzip') yield* gunzip(stream, what)
  else if (compression === 'zstd') yield* unzstd(stream, what)
  else yield* stream
}

/** Reads just enough of `src` to sniff it; `stream` replays those bytes and continues. */
export async function peekCompression(src: AsyncIterable<Buffer>): Promise<{ compression: Compression; stream: AsyncIterable<Buffer> }> {
  const it = src[Symbol.asyncIterator]()
  const head: Buffer[] = []
  let have = 0
  let done = false
  while (have < SNIFF_BYTES) {
    const r = await it.next()
    if (r.done) {
      done = true
      break
    }
    head.push(r.value)
    have += r.value.length
  }
  const compression = sniffCompression(Buffer.concat(head, Math.min(have, SNIFF_BYTES)))
  async function* replay(): AsyncGenerator<Buffer> {
    try {
      yield* head
      if (done) return
      for (let r = await it.next(); !r.done; r = await it.next()) yield r.value
    } finally {
      if (!done) await it.return?.()
    }
  }
  return { compression, stream: replay() }
}
