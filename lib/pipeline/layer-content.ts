// Pass 2: reads file contents that the tree references as (layer, offset, size) by streaming each
// needed layer once more, in order, and cutting the requested ranges out as the bytes go by.
// The blob digest is verified again at the end of each stream, so a blob that changed between the
// passes fails loudly instead of producing a silently different result. The diffId is not hashed
// again: the same compressed bytes decompress to the same tar, which pass 1 checked against it
// (that second sha256 over the whole tar cost about a sixth of pass 2).

import { decompress } from '../compress/decompress.js'
import { shortDigest } from '../oci/digest.js'
import type { Image } from '../oci/image.js'
import type { ProgressListener } from '../progress.js'
import { FormatError, withContextAsync } from '../errors.js'
import type { ContentReader, Deliver } from '../tree/content.js'
import type { Content } from '../tree/node.js'
import { progressOf } from './scan.js'

interface Wanted {
  readonly index: number
  readonly start: number
  readonly end: number
}

export class LayerContentReader implements ContentReader {
  constructor(
    private readonly image: Image,
    private readonly onProgress?: ProgressListener,
  ) {}

  async read(requests: readonly Content[], deliver: Deliver): Promise<void> {
    const perLayer = new Map<number, Wanted[]>()
    requests.forEach((c, index) => {
      if (c.kind !== 'layer') throw new TypeError('LayerContentReader reads layer contents only')
      if (c.size === 0) return
      let list = perLayer.get(c.layer)
      if (!list) perLayer.set(c.layer, (list = []))
      list.push({ index, start: c.offset, end: c.offset + c.size })
    })
    for (const layerIndex of [...perLayer.keys()].sort((a, b) => a - b)) {
      const layer = this.image.layers[layerIndex]
      if (!layer) throw new TypeError(`no layer ${layerIndex}`)
      const wanted = perLayer.get(layerIndex)!.sort((a, b) => a.start - b.start || a.index - b.index)
      const what = `layer ${layer.index + 1}/${layer.count} ${shortDigest(layer.descriptor.digest)}`
      const report = progressOf(this.onProgress, 'write', layer.index, layer.count)
      await withContextAsync(what, () => cutRanges(decompress(layer.open(), what), wanted, deliver, report))
    }
  }
}

/** Delivers the wanted ranges (sorted by start; they may overlap) from a stream read once. */
async function cutRanges(
  stream: AsyncIterable<Buffer>,
  wanted: readonly Wanted[],
  deliver: Deliver,
  report: (bytes: number, done: boolean) => void,
): Promise<void> {
  let pos = 0
  let next = 0 // first range not yet started
  const active: Wanted[] = []
  report(0, false)
  for await (const chunk of stream) {
    const chunkEnd = pos + chunk.length
    while (next < wanted.length && wanted[next]!.start < chunkEnd) active.push(wanted[next++]!)
    for (let i = 0; i < active.length; ) {
      const w = active[i]!
      const from = Math.max(w.start, pos)
      const to = Math.min(w.end, chunkEnd)
      if (to > from) await deliver(w.index, chunk.subarray(from - pos, to - pos), from - w.start)
      if (w.end <= chunkEnd) active.splice(i, 1)
      else i++
    }
    pos = chunkEnd
    report(pos, false)
  }
  if (active.length > 0 || next < wanted.length) {
    throw new FormatError(`layer ended at byte ${pos} before the content of a file was read in full`)
  }
  report(pos, true)
}
