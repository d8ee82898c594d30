import { UsageError } from '../../../lib/errors.js'
import { parsePlatform } from '../../../lib/oci/platform.js'
import { pullToArchive } from '../../../lib/source/registry/pull.js'
import { NETWORK_OPTIONS, PLATFORM_OPTION, PROGRESS_OPTION, type Command } from '../command.js'
import { sourceOptions } from '../image-options.js'

export const pullCommand: Command = {
  name: 'pull',
  usage: 'docker://REF OUT.oci',
  summary: 'copy an image from a registry into an oci-archive (like skopeo copy docker://REF oci-archive:OUT)',
  details: 'The archive is labelled with --label, or with the reference in canonical form.',
  options: {
    label: { type: 'string', short: 'l', valueName: 'L', help: 'ref.name annotation to give the image in the archive' },
    ...PLATFORM_OPTION,
    ...PROGRESS_OPTION,
    ...NETWORK_OPTIONS,
  },
  positionals: [2, 2],
  async run(ctx) {
    const [ref, out] = ctx.args as [string, string]
    if (!ref.startsWith('docker://')) throw new UsageError(`pull: source must be docker://REF, got ${ref}`)
    const result = await pullToArchive(ref.slice('docker://'.length), out, {
      ...sourceOptions(ctx),
      ...(typeof ctx.opts.label === 'string' ? { label: ctx.opts.label } : {}),
      ...(typeof ctx.opts.platform === 'string' ? { platform: parsePlatform(ctx.opts.platform) } : {}),
    })
    ctx.note(`wrote ${out}: ${result.label} ${result.manifestDigest}`)
  },
}
