// The image options shared by erofs, mkfs and digest.

import { UsageError } from '../../lib/errors.js'
import type { ErofsOptions } from '../../lib/erofs/mkfs.js'
import type { OptionSpec, OptionValues } from './command.js'

export const EROFS_OPTIONS: Readonly<Record<string, OptionSpec>> = {
  'preserve-mtime': { type: 'boolean', help: 'keep file mtimes (default: every time is the epoch)' },
  uuid: { type: 'string', valueName: 'UUID', help: 'filesystem UUID (default: the null UUID)' },
  'volume-name': { type: 'string', valueName: 'NAME', help: 'volume name, at most 15 bytes' },
  'all-root': { type: 'boolean', help: 'make every owner 0:0' },
}

export function erofsOptions(opts: OptionValues): ErofsOptions {
  const out: ErofsOptions = {}
  if (opts['preserve-mtime'] === true) out.preserveMtime = true
  if (opts['all-root'] === true) out.allRoot = true
  if (typeof opts.uuid === 'string') out.uuid = parseUuid(opts.uuid)
  if (typeof opts['volume-name'] === 'string') {
    const name = opts['volume-name']
    if (Buffer.byteLength(name) > 15) throw new UsageError(`--volume-name '${name}': at most 15 bytes`)
    out.volumeName = name
  }
  return out
}

export function parseUuid(text: string): Uint8Array {
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(text)) {
    throw new UsageError(`--uuid '${text}': not a UUID (like 01234567-89ab-cdef-0123-456789abcdef)`)
  }
  return Buffer.from(text.replace(/-/g, ''), 'hex')
}
