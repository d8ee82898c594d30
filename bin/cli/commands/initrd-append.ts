import { appendToInitrd } from '../../../lib/cpio/append.js'
import { UsageError } from '../../../lib/errors.js'
import type { Command } from '../command.js'
import { formatBytes } from '../progress.js'

export const initrdAppendCommand: Command = {
  name: 'initrd-append',
  usage: 'INITRD OUT NAME=FILE...',
  summary: 'write OUT = INITRD followed by a newc cpio holding each FILE at NAME (kexec hand-over)',
  details:
    'INITRD stays first and unchanged (early microcode must lead); the kernel unpacks the appended\n' +
    'cpio after it. Each FILE is streamed once, so the extra memory is one copy of it.',
  options: {},
  positionals: [3, Number.MAX_SAFE_INTEGER],
  async run(ctx) {
    const [base, out, ...specs] = ctx.args as [string, string, ...string[]]
    const files = specs.map(spec => {
      const eq = spec.indexOf('=')
      if (eq <= 0 || eq === spec.length - 1) throw new UsageError(`initrd-append: '${spec}' is not NAME=FILE`)
      return { name: spec.slice(0, eq), source: spec.slice(eq + 1) }
    })
    const bytes = await appendToInitrd(base, out, files)
    ctx.note(`wrote ${out}: ${formatBytes(bytes)}`)
  },
}
