// A push parser for tar streams. Any chunking works; data reaches the handler as subarrays of the
// written chunks (never copied, never inspected), and only a partial header or a metadata record is
// buffered, so the data path costs one subarray per chunk.

import { UsageError } from '../errors.js'
import { EntryAssembler } from './assembler.js'
import type { TarEntry } from './entry.js'
import { BLOCK_SIZE, decodeHeader, loneZeroBlock, paddedSize, truncatedError } from './header.js'

export interface TarHandler {
  /** A new entry; its data (entry.size bytes) follows through data(). */
  entry(e: TarEntry): void
  /** A piece of the current entry's data: a subarray of a written chunk, valid during the call. */
  data?(chunk: Uint8Array): void
  /** The current entry's data is complete (called for every entry, also when size is 0). */
  entryEnd?(): void
}

const HEADER = 0 // collecting a header block
const ZERO = 1 // after one zero block: a second one ends the archive
const META = 2 // collecting a PAX or long-name record
const DATA = 3 // passing entry data on
const SKIP = 4 // ignoring padding or skipped records
const DONE = 5 // after the end marker: the rest is padding

const EMPTY = new Uint8Array(0)

export class TarParser {
  readonly #handler: TarHandler
  readonly #assembler = new EntryAssembler()
  readonly #block = new Uint8Array(BLOCK_SIZE)
  #state = HEADER
  #position = 0
  /** Bytes collected so far into #block (HEADER, ZERO) or #meta (META). */
  #filled = 0
  #meta = EMPTY
  /** Bytes left in DATA or SKIP. */
  #left = 0
  /** Bytes to skip once the current entry's data is done (skipped records, then padding). */
  #afterData = 0
  #entry: TarEntry | null = null
  #ended = false
  #failed = false

  constructor(handler: TarHandler) {
    this.#handler = handler
  }

  /** Bytes consumed so far. */
  get position(): number {
    return this.#position
  }

  write(chunk: Uint8Array): void {
    this.#guard(() => this.#write(chunk))
  }

  /** End of input: EOF is accepted after the end marker, or exactly at a header boundary. */
  end(): void {
    this.#guard(() => this.#end())
    this.#ended = true
  }

  #guard(fn: () => void): void {
    if (this.#failed || this.#ended) throw new UsageError(`tar parser: used after ${this.#failed ? 'an error' : 'end()'}`)
    try {
      fn()
    } catch (err) {
      this.#failed = true
      throw err
    }
  }

  #write(chunk: Uint8Array): void {
    const n = chunk.length
    let i = 0
    while (i < n) {
      const avail = n - i
      switch (this.#state) {
        case DATA: {
          const take = Math.min(this.#left, avail)
          this.#position += take
          this.#left -= take
          this.#handler.data?.(chunk.subarray(i, i + take))
          i += take
          if (this.#left === 0) this.#endData()
          break
        }
        case SKIP: {
          const take = Math.min(this.#left, avail)
          this.#position += take
          this.#left -= take
          i += take
          if (this.#left === 0) this.#state = HEADER
          break
        }
        case META: {
          const take = Math.min(this.#meta.length - this.#filled, avail)
          this.#meta.set(chunk.subarray(i, i + take), this.#filled)
          this.#filled += take
          this.#position += take
          i += take
          if (this.#filled === this.#meta.length) this.#endMeta()
          break
        }
        case DONE:
          this.#position += avail
          i = n
          break
        default:
          if (this.#filled === 0 && avail >= BLOCK_SIZE) {
            // the common case: a whole header inside the chunk, decoded in place
            this.#position += BLOCK_SIZE
            this.#onBlock(chunk.subarray(i, i + BLOCK_SIZE))
            i += BLOCK_SIZE
          } else {
            const take = Math.min(BLOCK_SIZE - this.#filled, avail)
            this.#block.set(chunk.subarray(i, i + take), this.#filled)
            this.#filled += take
            this.#position += take
            i += take
            if (this.#filled === BLOCK_SIZE) {
              this.#filled = 0
              this.#onBlock(this.#block)
            }
          }
      }
    }
  }

  #onBlock(block: Uint8Array): void {
    const offset = this.#position - BLOCK_SIZE
    const h = decodeHeader(block, offset)
    if (h === null) {
      if (this.#state === ZERO) {
        this.#assembler.finish()
        this.#state = DONE
      } else {
        this.#state = ZERO
      }
      return
    }
    if (this.#state === ZERO) {
      throw loneZeroBlock(offset)
    }
    const step = this.#assembler.header(h, offset)
    if (step.kind === 'meta') {
      this.#meta = new Uint8Array(step.size)
      this.#filled = 0
      this.#state = META
      if (step.size === 0) this.#endMeta()
    } else if (step.kind === 'skip') {
      this.#skip(paddedSize(step.size))
    } else {
      const e = step.entry
      this.#entry = e
      this.#left = e.size
      this.#afterData = paddedSize(e.size + step.skip) - e.size
      this.#state = DATA
      this.#handler.entry(e)
      if (e.size === 0) this.#endData()
    }
  }

  #endMeta(): void {
    const size = this.#meta.length
    this.#assembler.meta(this.#meta)
    this.#meta = EMPTY
    this.#filled = 0
    this.#skip(paddedSize(size) - size)
  }

  #endData(): void {
    this.#handler.entryEnd?.()
    this.#skip(this.#afterData)
  }

  #skip(n: number): void {
    this.#left = n
    this.#state = n === 0 ? HEADER : SKIP
  }

  #end(): void {
    const what = this.#truncated()
    if (what !== null) throw truncatedError(what, this.#position)
    if (this.#state !== DONE) this.#assembler.finish()
    this.#state = DONE
  }

  /** What EOF now would cut short, or null when EOF is acceptable here. */
  #truncated(): string | null {
    switch (this.#state) {
      case HEADER:
      case ZERO:
        return this.#filled === 0 ? null : 'header'
      case META:
        return 'metadata record'
      case DATA:
        return `data of entry ${JSON.stringify(this.#entry?.path)}`
      case SKIP:
        return 'padding'
      default:
        return null
    }
  }
}

/** Entries of a tar stream (metadata only: data is skipped). */
export async function* tarEntries(stream: AsyncIterable<Uint8Array>): AsyncGenerator<TarEntry> {
  const found: TarEntry[] = []
  const parser = new TarParser({ entry: e => void found.push(e) })
  for await (const chunk of stream) {
    parser.write(chunk)
    yield* found.splice(0)
  }
  parser.end()
  yield* found.splice(0)
}
