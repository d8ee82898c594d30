import { once } from 'node:events'
import { openErofsFile } from '../../../lib/erofs/reader.js'
import type { Command } from '../command.js'
import { argToName } from './ls.js'

export const catCommand: Command = {
  name: 'cat',
  usage: 'IMAGE PATH',
  summary: 'write a regular file of an EROFS image to stdout, without mounting it',
  options: {},
  positionals: [2, 2],
  async run(ctx) {
    const [imagePath, path] = ctx.args as [string, string]
    const image = await openErofsFile(imagePath)
    try {
      for await (const chunk of image.readChunks(argToName(path))) {
        if (!ctx.stdout.write(chunk)) await once(ctx.stdout, 'drain')
      }
    } finally {
      await image.close()
    }
  },
}
