// Reading file contents that the tree only references. A writer asks for many contents at once and
// the reader delivers their bytes in whatever order is cheapest for its source (for OCI layers: one
// sequential pass over each layer), so writers place bytes by destination, never by arrival order.

import { closeSync, openSync, readSync } from 'node:fs'
import { SizeMismatchError } from '../errors.js'
import { copyFiles } from '../native.js'
import type { Content } from './node.js'

/** Receives `chunk` = bytes [at, at + chunk.length) of requested content number `index`. */
export type Deliver = (index: number, chunk: Uint8Array, at: number) => void | Promise<void>

/** A content that is a file on disk. */
export type FileContent = Extract<Content, { kind: 'file' }>

/** Bytes [from, from + length) of content number `index` go to byte `pos` of the output file. */
export interface Span {
  readonly index: number
  readonly from: number
  readonly length: number
  readonly pos: number
}

export interface ContentReader {
  /**
   * Delivers every byte of every requested content exactly once. Chunks of one content arrive in
   * order; different contents may interleave. Chunks may be reused after `deliver` returns (copy
   * to keep). Rejects if a content cannot be read in full.
   */
  read(requests: readonly Content[], deliver: Deliver): Promise<void>
  /**
   * Optional, for writers of a real file: writes `spans` of the `files` straight into the file open
   * as `out`, without passing their bytes through JavaScript, or into the Buffer `out` (whose spans
   * the caller leaves alone until this settles). The spans of one file are adjacent in the list.
   * Rejects if a file is shorter than its spans.
   */
  copyFiles?(files: readonly FileContent[], spans: readonly Span[], out: number | Buffer): Promise<void>
}

const FILE_CHUNK = 1 << 20

/** Reads 'bytes' and 'file' contents; delegates 'layer' contents to `layers` when given. */
export class BasicContentReader implements ContentReader {
  constructor(private readonly layers?: ContentReader) {}

  async read(requests: readonly Content[], deliver: Deliver): Promise<void> {
    const layerIdx: number[] = []
    const buf = Buffer.allocUnsafe(FILE_CHUNK)
    for (let i = 0; i < requests.length; i++) {
      const c = requests[i]!
      if (c.kind === 'bytes') {
        if (c.data.length > 0) await deliver(i, c.data, 0)
      } else if (c.kind === 'file') {
        await readFileContent(c.path, c.size, buf, (chunk, at) => deliver(i, chunk, at))
      } else {
        layerIdx.push(i)
      }
    }
    if (layerIdx.length === 0) return
    if (!this.layers) throw new TypeError('layer content requested but no layer reader given') // a caller's bug
    await this.layers.read(
      layerIdx.map(i => requests[i]!),
      (j, chunk, at) => deliver(layerIdx[j]!, chunk, at),
    )
  }

  /** Copies on a worker thread, kernel side (copy_file_range, or splice across file systems). */
  copyFiles(files: readonly FileContent[], spans: readonly Span[], out: number | Buffer): Promise<void> {
    const flat = new Float64Array(spans.length * 4)
    spans.forEach((s, k) => {
      flat[k * 4] = s.index
      flat[k * 4 + 1] = s.from
      flat[k * 4 + 2] = s.length
      flat[k * 4 + 3] = s.pos
    })
    return copyFiles(out, files.map(f => f.path), flat)
  }
}

/** Synchronous reads: cheap per call, and far cheaper than a promise per small file. */
async function readFileContent(
  path: Buffer,
  size: number,
  buf: Buffer,
  deliver: (chunk: Uint8Array, at: number) => void | Promise<void>,
): Promise<void> {
  const fd = openSync(path, 'r')
  try {
    let at = 0
    while (at < size) {
      const bytesRead = readSync(fd, buf, 0, Math.min(buf.length, size - at), at)
      if (bytesRead === 0) throw new SizeMismatchError(`${path.toString('latin1')}: file shrank while reading`, at, size)
      const done = deliver(buf.subarray(0, bytesRead), at)
      if (done) await done
      at += bytesRead
    }
  } finally {
    closeSync(fd)
  }
}
