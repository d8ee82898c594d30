// zstd through zstd-napi's ZSTD_decompressStream binding. libzstd itself skips skippable frames
// (zstd:chunked metadata) and continues across concatenated frames; we only have to notice input
// that ends inside a frame.

import binding from 'zstd-napi/binding.js'
import { DecompressError } from '../errors.js'
import { wrapDecompressError } from './gzip.js'

export const ZSTD_OUT_CHUNK = 256 * 1024
/** Below this much room left, start a fresh output buffer instead of filling the tail. */
const MIN_ROOM = 32 * 1024

export async function* unzstd(src: AsyncIterable<Buffer>, what: string): AsyncGenerator<Buffer> {
  const dctx = new binding.DCtx()
  let out = Buffer.allocUnsafe(ZSTD_OUT_CHUNK)
  let inFrame = false
  try {
    for await (const chunk of src) {
      let input: Uint8Array = chunk
      for (;;) {
        const [remaining, produced, consumed] = dctx.decompressStream(out, input)
        input = input.subarray(consumed)
        const full = produced === out.length
        if (produced > 0) {
          yield out.subarray(0, produced)
          out = out.length - produced >= MIN_ROOM ? out.subarray(produced) : Buffer.allocUnsafe(ZSTD_OUT_CHUNK)
        }
        if (input.length === 0 && (!full || remaining === 0)) {
          inFrame = remaining !== 0
          break
        }
      }
    }
  } catch (err) {
    throw wrapDecompressError(err, what, 'zstd')
  }
  if (inFrame) throw new DecompressError(`${what}: zstd: unexpected end of input inside a frame`)
}
