// Writes a planned image to a sink. Metadata comes from the plan (records.ts), file data from a
// ContentReader, placed by destination offset whatever order it arrives in. Two sinks: a file written
// at offsets, and a windowed hasher that never holds more than one window of the image.

import { createHash } from 'node:crypto'
import { closeSync, ftruncateSync, openSync, writeSync } from 'node:fs'
import { Buffer } from 'node:buffer'
import { SizeMismatchError, UsageError } from '../errors.js'
import type { ContentReader, FileContent, Span } from '../tree/content.js'
import type { Content } from '../tree/node.js'
import { EROFS_BLKSIZ } from './format.js'
import type { Plan } from './plan.js'
import { metadataPieces, tailPos, type Piece } from './records.js'

/** Where the bytes of one content go: [0, fullBytes) at dataPos, the rest at tailPos. */
interface Target {
  readonly size: number
  readonly dataPos: number
  readonly fullBytes: number
  readonly tailPos: number
}

type Write = (pos: number, bytes: Uint8Array) => void

export const DEFAULT_WINDOW_BYTES = 256 * 1024 * 1024
const WINDOW_SLACK = 8
const FLUSH_BYTES = 1 << 20
const ZEROS = new Uint8Array(FLUSH_BYTES)

export function imageBytes(plan: Plan): number {
  return plan.blocks * EROFS_BLKSIZ
}

function targets(plan: Plan): Target[] {
  return plan.contentInodes.map(i => {
    const p = plan.inodes[i]!
    return { size: p.sizeBytes, dataPos: p.iu * EROFS_BLKSIZ, fullBytes: p.sizeBytes - p.tailBytes, tailPos: tailPos(plan, p) }
  })
}

/**
 * Writes the image to `path` (created or truncated), sized to blocks * 4096; zero runs stay holes.
 * Writes are synchronous: each is cheap, and a promise per write cost more than the write itself.
 * When the reader can copy files on disk itself (copyFiles), their full blocks go straight into the
 * image on a worker thread while the metadata is encoded and written here, and their inline tails,
 * which sit between the inode records, into the metadata pieces before those are written.
 */
export async function emitToFile(plan: Plan, reader: ContentReader, path: string): Promise<number> {
  const total = imageBytes(plan)
  const tgts = targets(plan)
  const fd = openSync(path, 'w')
  const jobs: Array<Promise<void>> = []
  /** Starts a copy of `parts` ([content index, from, to, pos]) into `out`; empty parts are left out. */
  const copy = (parts: ReadonlyArray<readonly [number, number, number, number]>, out: number | Buffer): Promise<void> => {
    const files: FileContent[] = []
    const spans: Span[] = []
    for (const [i, from, to, pos] of parts) {
      if (from === to) continue
      spans.push({ index: files.length, from, length: to - from, pos })
      files.push(plan.contents[i] as FileContent)
    }
    const done = reader.copyFiles!(files, spans, out)
    done.catch(() => undefined) // awaited later; failing meanwhile is not an unhandled rejection
    jobs.push(done)
    return done
  }
  try {
    ftruncateSync(fd, total)
    const write: Write = (pos, bytes) => writeAt(fd, pos, bytes)
    const copied: number[] = []
    const rest: number[] = []
    plan.contents.forEach((c, i) => (c.kind === 'file' && reader.copyFiles ? copied : rest).push(i))
    const blocks = copied.length > 0 ? copy(copied.map(i => [i, 0, tgts[i]!.fullBytes, tgts[i]!.dataPos]), fd) : undefined
    const tails = copied.filter(i => tgts[i]!.fullBytes < tgts[i]!.size)
    await writeMetadata(plan, total, write, tails.map(i => [i, tgts[i]!]), (parts, piece) => copy(parts, piece))
    await deliverContents(plan.contents, tgts, rest, 0, total, reader, write)
    await blocks
  } finally {
    await Promise.allSettled(jobs) // they use fd and the pieces until they settle
    closeSync(fd)
  }
  return total
}

/** Metadata pieces held back at most while their tails are copied in (about 1 MiB each). */
const PIECES_AHEAD = 8

/**
 * Writes the metadata pieces in order. The inline tails of `tails` (content index, target; in image
 * order) lie inside them and are copied into each piece by `fill` first, on a worker thread, while
 * the next pieces are encoded.
 */
async function writeMetadata(
  plan: Plan,
  total: number,
  write: Write,
  tails: ReadonlyArray<readonly [number, Target]>,
  fill: (parts: ReadonlyArray<readonly [number, number, number, number]>, piece: Buffer) => Promise<void>,
): Promise<void> {
  const out = new Coalescer(write)
  const ahead: Array<readonly [Piece, Promise<void> | undefined]> = []
  const flushOne = async (): Promise<void> => {
    const [piece, filled] = ahead.shift()!
    await filled
    out.add(piece)
  }
  let k = 0
  for (const piece of orderedPieces(plan, total)) {
    const end = piece.pos + piece.bytes.length
    const parts: Array<readonly [number, number, number, number]> = []
    for (; k < tails.length && tails[k]![1].tailPos < end; k++) {
      const [i, t] = tails[k]!
      if (t.tailPos < piece.pos || t.tailPos + t.size - t.fullBytes > end) {
        throw new Error(`erofs emit: inline tail of content ${i} at ${t.tailPos} outside the metadata piece at ${piece.pos} (+${piece.bytes.length})`)
      }
      parts.push([i, t.fullBytes, t.size, t.tailPos - piece.pos])
    }
    const bytes = Buffer.from(piece.bytes.buffer, piece.bytes.byteOffset, piece.bytes.byteLength)
    ahead.push([piece, parts.length > 0 ? fill(parts, bytes) : undefined])
    if (ahead.length > PIECES_AHEAD) await flushOne()
  }
  while (ahead.length > 0) await flushOne()
  if (k < tails.length) throw new Error(`erofs emit: inline tail at ${tails[k]![1].tailPos} past the last metadata piece`)
  out.flush()
}

/** sha256 of the image, built window by window (one ContentReader pass per window). */
export async function digestImage(plan: Plan, reader: ContentReader, windowBytes = DEFAULT_WINDOW_BYTES): Promise<string> {
  if (!Number.isInteger(windowBytes) || windowBytes <= 0 || windowBytes % EROFS_BLKSIZ !== 0) {
    throw new UsageError(`erofs digest window: got ${windowBytes}, want a positive multiple of ${EROFS_BLKSIZ}`)
  }
  const total = imageBytes(plan)
  // Buffer.alloc gets fresh zero pages: only windows after the first need clearing
  const win = Buffer.alloc(windowSize(total, windowBytes))
  const hash = createHash('sha256')
  const tgts = targets(plan)
  const pieces = orderedPieces(plan, total)
  let pending = pieces.next()
  for (let w0 = 0; w0 < total; w0 += win.length) {
    const w1 = Math.min(total, w0 + win.length)
    if (w0 > 0) win.fill(0)
    const put: Write = (pos, bytes) => {
      const from = Math.max(pos, w0)
      const to = Math.min(pos + bytes.length, w1)
      if (from < to) win.set(bytes.subarray(from - pos, to - pos), from - w0)
    }
    while (!pending.done && pending.value.pos < w1) {
      put(pending.value.pos, pending.value.bytes)
      if (pending.value.pos + pending.value.bytes.length > w1) break // continues in the next window
      pending = pieces.next()
    }
    const wanted = tgts.flatMap((t, i) => (overlap(t, w0, w1) ? [i] : []))
    await deliverContents(plan.contents, tgts, wanted, w0, w1, reader, put)
    hash.update(win.subarray(0, w1 - w0))
  }
  return `sha256:${hash.digest('hex')}`
}

/**
 * The window for an image of `total` bytes. Each window costs a whole ContentReader pass (for
 * layers: decompressing them all again), so an image at most 1/WINDOW_SLACK larger than the window
 * is built in one window, and otherwise the passes share the image evenly (smaller buffer, same
 * number of passes).
 */
export function windowSize(total: number, windowBytes: number): number {
  if (total <= windowBytes + windowBytes / WINDOW_SLACK) return total
  const passes = Math.ceil(total / windowBytes)
  return Math.ceil(total / passes / EROFS_BLKSIZ) * EROFS_BLKSIZ
}

/** Metadata pieces, asserted to be in increasing, non-overlapping order inside the image. */
function* orderedPieces(plan: Plan, total: number): Generator<Piece> {
  let end = 0
  for (const piece of metadataPieces(plan)) {
    if (piece.pos < end || piece.pos + piece.bytes.length > total) {
      throw new Error(`erofs emit: metadata piece at ${piece.pos} (+${piece.bytes.length}) outside its planned place (after ${end}, image ${total})`)
    }
    end = piece.pos + piece.bytes.length
    yield piece
  }
}

/** The byte range [from, to) of a content that lands in the window [w0, w1). */
function neededRange(t: Target, w0: number, w1: number): [number, number] {
  let from = t.size
  let to = 0
  const a = Math.max(0, w0 - t.dataPos)
  const b = Math.min(t.fullBytes, w1 - t.dataPos)
  if (a < b) [from, to] = [a, b]
  if (t.fullBytes < t.size && t.tailPos >= w0 && t.tailPos < w1) [from, to] = [Math.min(from, t.fullBytes), t.size]
  return [from, to]
}

function overlap(t: Target, w0: number, w1: number): boolean {
  const [from, to] = neededRange(t, w0, w1)
  return from < to
}

/** The same content narrowed to [from, to) where its kind allows it (file contents are read whole). */
function narrow(c: Content, from: number, to: number): { content: Content; base: number } {
  if (c.kind === 'bytes') return { content: { kind: 'bytes', data: c.data.subarray(from, to) }, base: from }
  if (c.kind === 'layer') return { content: { ...c, offset: c.offset + from, size: to - from }, base: from }
  return { content: c, base: 0 }
}

/**
 * One ContentReader pass over contents `wanted`, writing each chunk's bytes that fall in [w0, w1) to
 * their planned places. Checks that every content arrives in order and in full.
 */
async function deliverContents(
  contents: readonly Content[],
  tgts: readonly Target[],
  wanted: readonly number[],
  w0: number,
  w1: number,
  reader: ContentReader,
  write: Write,
): Promise<void> {
  if (wanted.length === 0) return
  const reqs = wanted.map(i => narrow(contents[i]!, ...neededRange(tgts[i]!, w0, w1)))
  const next = reqs.map(r => r.base)
  await reader.read(reqs.map(r => r.content), (j, chunk, at) => {
    const t = tgts[wanted[j]!]!
    const off = reqs[j]!.base + at
    if (off !== next[j] || off + chunk.length > t.size) {
      throw new Error(`erofs emit: content ${wanted[j]} chunk at ${off} (+${chunk.length}) out of order or past its size ${t.size}`)
    }
    next[j] = off + chunk.length
    const split = Math.max(0, Math.min(chunk.length, t.fullBytes - off))
    if (split > 0) write(t.dataPos + off, chunk.subarray(0, split))
    if (split < chunk.length) write(t.tailPos + (off + split - t.fullBytes), chunk.subarray(split))
  })
  reqs.forEach((r, j) => {
    const want = r.base + contentLength(r.content)
    if (next[j] !== want) throw new SizeMismatchError(`erofs content ${wanted[j]}`, next[j]!, want)
  })
}

function contentLength(c: Content): number {
  return c.kind === 'bytes' ? c.data.length : c.size
}

/** Positional write that leaves all-zero chunks as holes (the file starts zero-filled). */
function writeAt(fd: number, pos: number, bytes: Uint8Array): void {
  for (let at = 0; at < bytes.length; at += FLUSH_BYTES) {
    const part = bytes.subarray(at, at + FLUSH_BYTES)
    if (Buffer.compare(part, ZEROS.subarray(0, part.length)) === 0) continue
    let done = 0
    while (done < part.length) done += writeSync(fd, part, done, part.length - done, pos + at + done)
  }
}

/**
 * Gathers adjacent increasing pieces into writes of up to FLUSH_BYTES. Gaps are never bridged with
 * zeros: they hold file data, which a worker thread may be writing at the same time.
 */
class Coalescer {
  private readonly buf = Buffer.alloc(FLUSH_BYTES)
  private base = 0
  private used = 0
  constructor(private readonly sink: Write) {}

  add(piece: Piece): void {
    const adjacent = this.used > 0 && piece.pos === this.base + this.used && this.used + piece.bytes.length <= FLUSH_BYTES
    if (!adjacent) {
      this.flush()
      if (piece.bytes.length > FLUSH_BYTES) return this.sink(piece.pos, piece.bytes)
      this.base = piece.pos
    }
    this.buf.set(piece.bytes, this.used)
    this.used += piece.bytes.length
  }

  flush(): void {
    if (this.used > 0) this.sink(this.base, this.buf.subarray(0, this.used))
    this.used = 0
  }
}
