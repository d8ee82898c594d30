import type { ErofsStat } from '../../../lib/erofs/reader.js'
import { decodeRdev } from '../../../lib/erofs/format.js'
import { openErofsFile } from '../../../lib/erofs/reader.js'
import type { Kind } from '../../../lib/tree/node.js'
import type { Command } from '../command.js'

const TYPE_CHAR: Record<Kind, string> = { reg: '-', dir: 'd', symlink: 'l', chr: 'c', blk: 'b', fifo: 'p', sock: 's' }

export const lsCommand: Command = {
  name: 'ls',
  usage: 'IMAGE [PATH]',
  summary: 'list a directory (or describe a file) of an EROFS image, without mounting it',
  details: 'One line per entry: mode, owner uid:gid, size (or major,minor for devices), name [-> target].',
  options: {},
  positionals: [1, 2],
  async run(ctx) {
    const [imagePath, path = '/'] = ctx.args as [string, string?]
    const image = await openErofsFile(imagePath)
    try {
      const target = argToName(path)
      const st = await image.stat(target)
      const rows: Array<[string, ErofsStat, string]> = []
      if (st.kind === 'dir') {
        const base = target.replace(/\/+$/, '')
        for (const e of await image.readdir(target)) rows.push([e.name, await image.stat(`${base}/${e.name}`), `${base}/${e.name}`])
      } else {
        rows.push([target, st, target])
      }
      for (const [name, s, full] of rows) {
        const size = s.kind === 'chr' || s.kind === 'blk' ? rdevText(s.iu) : String(s.size)
        const link = s.kind === 'symlink' ? ` -> ${await image.readlink(full)}` : ''
        ctx.stdout.write(Buffer.from(`${modeText(s)} ${s.uid}:${s.gid} ${size} ${name}${link}\n`, 'latin1'))
      }
    } finally {
      await image.close()
    }
  },
}

/** Command-line paths arrive as UTF-8 text; the image's names are byte strings. */
export function argToName(arg: string): string {
  return Buffer.from(arg, 'utf8').toString('latin1')
}

function modeText(s: ErofsStat): string {
  const m = s.mode
  const bit = (mask: number, c: string) => (m & mask ? c : '-')
  const exec = (x: number, special: number, set: string) => (m & special ? (m & x ? set : set.toUpperCase()) : bit(x, 'x'))
  return (
    TYPE_CHAR[s.kind] +
    bit(0o400, 'r') + bit(0o200, 'w') + exec(0o100, 0o4000, 's') +
    bit(0o040, 'r') + bit(0o020, 'w') + exec(0o010, 0o2000, 's') +
    bit(0o004, 'r') + bit(0o002, 'w') + exec(0o001, 0o1000, 't')
  )
}

function rdevText(iu: number): string {
  const { major, minor } = decodeRdev(iu)
  return `${major},${minor}`
}
