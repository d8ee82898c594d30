import { readFile } from 'node:fs/promises'
import { parseLiveConfig, toShell } from '../../../lib/cmdline/live-config.js'
import type { Command } from '../command.js'

export const cmdlineCommand: Command = {
  name: 'cmdline',
  usage: '',
  summary: 'print the live-boot kernel arguments as shell assignments (for the dracut hooks)',
  details:
    'Reads /proc/cmdline (or --cmdline TEXT) and prints BOOTC_LIVE=0 when root= is not bootc-live:, otherwise\n' +
    'BOOTC_LIVE=1 and one BOOTC_LIVE_* assignment per setting, quoted for eval in a POSIX shell.',
  options: {
    cmdline: { type: 'string', valueName: 'TEXT', help: 'parse TEXT instead of /proc/cmdline' },
  },
  takesSource: false,
  positionals: [0, 0],
  async run(ctx) {
    const text = typeof ctx.opts.cmdline === 'string' ? ctx.opts.cmdline : await readFile('/proc/cmdline', 'utf8')
    ctx.stdout.write(toShell(parseLiveConfig(text)))
  },
}
