import { existsSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { parseSourceRef } from '../../../lib/oci/reference.js'
import { erofsFromImage } from '../../../lib/pipeline/erofs.js'
import { SOURCE_OPTIONS, type Command } from '../command.js'
import { EROFS_OPTIONS, erofsOptions } from '../erofs-options.js'
import { TWO_PASS_OPTIONS, twoPassOptions, withImage } from '../image-options.js'
import { formatBytes } from '../progress.js'
import { summarizeTree } from '../summary.js'

export const erofsCommand: Command = {
  name: 'erofs',
  usage: 'SOURCE IMAGE',
  summary: 'build a deterministic EROFS image of the root filesystem straight from the layers',
  details:
    'No tree is written to disk: file data goes from the layers into the image. The bytes depend on\n' +
    'the final tree only (null UUID and epoch times by default), so the same image always gives the\n' +
    'same digest, whatever its layer split.',
  options: { ...SOURCE_OPTIONS, ...EROFS_OPTIONS, ...TWO_PASS_OPTIONS },
  positionals: [2, 2],
  async run(ctx) {
    const [ref, path] = ctx.args as [string, string]
    const opts = erofsOptions(ctx.opts)
    const source = parseSourceRef(ref, existsSync)
    // Writing the image over the archive it is read from would destroy the input.
    const inputs = source.kind === 'archive' ? [source.location] : []
    // The layers are read twice; network blobs and downloads wait beside the image (the work area).
    const { tree, bytes } = await withImage(
      ctx,
      ref,
      image => erofsFromImage(image, path, { ...opts, inputs, ...(ctx.progress ? { onProgress: ctx.progress } : {}) }),
      twoPassOptions(ctx, dirname(resolve(path))),
    )
    ctx.note(`wrote ${path}: ${formatBytes(bytes)}, ${summarizeTree(tree)}`)
  },
}
