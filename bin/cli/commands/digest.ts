import { statSync } from 'node:fs'
import { erofsDigestOfImage } from '../../../lib/pipeline/erofs.js'
import { erofsDigestOfDir } from '../../../lib/pipeline/erofs-dir.js'
import { SOURCE_OPTIONS, type Command } from '../command.js'
import { EROFS_OPTIONS, erofsOptions } from '../erofs-options.js'
import { TWO_PASS_OPTIONS, twoPassOptions, withImage } from '../image-options.js'

export const digestCommand: Command = {
  name: 'digest',
  usage: 'SOURCE|DIR',
  summary: 'print sha256:<hex> of the EROFS image that erofs/mkfs would write, without writing it',
  details:
    'A bare DIR is a root tree (as for mkfs); an OCI layout directory takes the oci: prefix.\n' +
    'Compare the digest of a build machine with the image a booted system mounted.',
  options: { ...SOURCE_OPTIONS, ...EROFS_OPTIONS, ...TWO_PASS_OPTIONS },
  positionals: [1, 1],
  async run(ctx) {
    const [ref] = ctx.args as [string]
    const opts = erofsOptions(ctx.opts)
    const digest = isDirectory(ref)
      ? await erofsDigestOfDir(ref, opts)
      : await withImage(ctx, ref, image => erofsDigestOfImage(image, { ...opts, ...(ctx.progress ? { onProgress: ctx.progress } : {}) }), twoPassOptions(ctx))
    ctx.stdout.write(`${digest}\n`)
  },
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory()
  } catch {
    return false
  }
}
