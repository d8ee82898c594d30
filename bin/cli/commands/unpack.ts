import { unpackImage } from '../../../lib/pipeline/unpack.js'
import { SOURCE_OPTIONS, type Command } from '../command.js'
import { withImage } from '../image-options.js'
import { summarizeTree } from '../summary.js'

export const unpackCommand: Command = {
  name: 'unpack',
  usage: 'SOURCE DIR',
  summary: "apply the image's layers and write its root filesystem into DIR (umoci's job)",
  details:
    'DIR must not exist or be empty. Whiteouts, hardlinks, devices, ownership, setuid bits and xattrs\n' +
    '(security.capability included) are written exactly; every path stays inside DIR. Not as root,\n' +
    'ownership, devices and privileged xattrs are skipped with a warning (like umoci --rootless).',
  options: SOURCE_OPTIONS,
  positionals: [2, 2],
  async run(ctx) {
    const [ref, dir] = ctx.args as [string, string]
    const started = performance.now()
    const tree = await withImage(ctx, ref, image =>
      unpackImage(image, dir, { ...(ctx.progress ? { onProgress: ctx.progress } : {}), onWarning: ctx.warn }),
    )
    ctx.note(`unpacked ${ref} into ${dir}: ${summarizeTree(tree)} in ${((performance.now() - started) / 1000).toFixed(1)} s`)
  },
}
