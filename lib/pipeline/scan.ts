// Pass 1: apply an image's layers, in order, to a fresh tree. Only tar headers are kept; file
// contents become references (layer, offset, size) that pass 2 reads (layer-content.ts).

import { shortDigest } from '../oci/digest.js'
import type { Image } from '../oci/image.js'
import type { ProgressListener } from '../progress.js'
import { withContextAsync } from '../errors.js'
import { TarParser } from '../tar/parser.js'
import { LayerApplier } from '../tree/apply.js'
import { Tree } from '../tree/node.js'
import type { Stager } from './stage.js'

export interface ScanOptions {
  onProgress?: ProgressListener
  /** Copy file data here while scanning (see stage.ts) instead of referencing layer ranges. */
  stager?: Stager
}

export async function treeFromImage(image: Image, opts: ScanOptions = {}): Promise<Tree> {
  const tree = new Tree()
  for (const layer of image.layers) {
    const what = `layer ${layer.index + 1}/${layer.count} ${shortDigest(layer.descriptor.digest)}`
    await withContextAsync(what, async () => {
      const stager = opts.stager
      const applier = new LayerApplier(tree, layer.index, stager?.contentOf)
      const parser = new TarParser(
        stager ? { entry: e => applier.apply(e), data: stager.data, entryEnd: stager.entryEnd } : { entry: e => applier.apply(e) },
      )
      const report = progressOf(opts.onProgress, 'scan', layer.index, layer.count)
      report(0, false)
      try {
        for await (const chunk of layer.openUncompressed()) {
          parser.write(chunk)
          report(parser.position, false)
        }
        parser.end()
      } finally {
        stager?.abort()
      }
      applier.finish()
      report(parser.position, true)
    })
  }
  return tree
}

/** Throttled progress for one layer (uncompressed bytes): one event per MiB, plus the first and the last. */
export function progressOf(
  listener: ProgressListener | undefined,
  phase: 'scan' | 'write',
  index: number,
  count: number,
): (bytes: number, done: boolean) => void {
  if (!listener) return () => {}
  let next = 0
  return (bytes, done) => {
    if (!done && bytes < next) return
    next = bytes + (1 << 20)
    listener({ phase, layer: index + 1, layers: count, bytes, ...(done ? { done } : {}) })
  }
}
