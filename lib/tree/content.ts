// Reading file contents that the tree only references. A writer asks for many contents at once and
// the reader delivers their bytes in whatever order is cheapest for its source (for OCI layers: one
// sequential pass over each layer), so writers place bytes by destination, never by arrival order.

import { closeSync, openSync, readSync } from 'node:fs'
import { SizeMismatchError } from '../errors.js'
import type { Content } from './node.js'

/** Receives `chunk` = bytes [at, at + chunk.length) of requested content number `index`. */
export type Deliver = (index: number, chunk: Uint8Array, at: number) => void | Promise<void>

export interface ContentReader {
  /**
   * Delivers every byte of every requested content exactly once. Chunks of one content arrive in
   * order; different contents may interleave. Chunks may be reused after `deliver` returns (copy
   * to keep). Rejects if a content cannot be read in full.
   */
  read(requests: readonly Content[], deliver: Deliver): Promise<void>
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
