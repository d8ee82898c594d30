import { erofsFromDir } from '../../../lib/pipeline/erofs-dir.js'
import type { Command } from '../command.js'
import { EROFS_OPTIONS, erofsOptions } from '../erofs-options.js'
import { formatBytes } from '../progress.js'
import { summarizeTree } from '../summary.js'

export const mkfsCommand: Command = {
  name: 'mkfs',
  usage: 'DIR IMAGE',
  summary: 'build a deterministic EROFS image from a directory tree (like mkfs.erofs)',
  options: EROFS_OPTIONS,
  positionals: [2, 2],
  async run(ctx) {
    const [dir, path] = ctx.args as [string, string]
    const { tree, bytes } = await erofsFromDir(dir, path, erofsOptions(ctx.opts))
    ctx.note(`wrote ${path}: ${formatBytes(bytes)}, ${summarizeTree(tree)}`)
  },
}
