import { existsSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { HANDOVER_DIR, HANDOVER_FILES, parseLiveConfig, toShell, type HandOver } from '../../../lib/cmdline/live-config.js'
import type { Command } from '../command.js'

export const cmdlineCommand: Command = {
  name: 'cmdline',
  usage: '',
  summary: 'print the live-boot kernel arguments as shell assignments (for the dracut hooks)',
  details:
    'Reads /proc/cmdline (or --cmdline TEXT) and prints BOOTC_LIVE=0 when root= is not bootc-live:, otherwise\n' +
    'BOOTC_LIVE=1 and one BOOTC_LIVE_* assignment per setting, quoted for eval in a POSIX shell.\n' +
    `BOOTC_LIVE_HANDOVER names an image a previous stage handed over by kexec (${HANDOVER_DIR}/root.erofs\n` +
    'or root.oci in the initramfs): the hooks use it instead of fetching the source again.',
  options: {
    cmdline: { type: 'string', valueName: 'TEXT', help: 'parse TEXT instead of /proc/cmdline' },
    'handover-dir': { type: 'string', valueName: 'DIR', help: `where handed-over images are looked for (default ${HANDOVER_DIR})` },
  },
  positionals: [0, 0],
  async run(ctx) {
    const text = typeof ctx.opts.cmdline === 'string' ? ctx.opts.cmdline : await readFile('/proc/cmdline', 'utf8')
    const dir = typeof ctx.opts['handover-dir'] === 'string' ? ctx.opts['handover-dir'] : HANDOVER_DIR
    ctx.stdout.write(toShell(parseLiveConfig(text), findHandOver(dir)))
  },
}

/** The EROFS image wins over the archive: it is mounted as is, with no unpacking. */
function findHandOver(dir: string): HandOver | undefined {
  for (const kind of ['erofs', 'oci'] as const) {
    const path = join(dir, HANDOVER_FILES[kind])
    if (existsSync(path)) return { kind, path }
  }
  return undefined
}
