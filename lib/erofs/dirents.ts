// Directory blocks: [n dirents][n names back to back][zero fill]. Entries, "." and ".." included, are in
// unsigned byte order across the whole directory, and an entry never straddles a block.

import type { Buffer } from 'node:buffer'
import { encode } from '../binary/struct.js'
import { EROFS_BLKSIZ, erofsDirent } from './format.js'

export interface DirEntry {
  /** Byte string. */
  readonly name: string
  /** Index of the target in the plan's inode list. */
  readonly target: number
  readonly fileType: number
}

export interface DirLayout {
  /** Index of the first entry of each block. */
  readonly blockStarts: readonly number[]
  /** i_size: full blocks plus the bytes used in the last one. */
  readonly sizeBytes: number
}

/** Packs sorted entries into blocks. */
export function layoutDir(entries: readonly DirEntry[]): DirLayout {
  const blockStarts = [0]
  let used = 0
  for (let i = 0; i < entries.length; i++) {
    const need = erofsDirent.size + entries[i]!.name.length
    if (used + need > EROFS_BLKSIZ) {
      blockStarts.push(i)
      used = 0
    }
    used += need
  }
  return { blockStarts, sizeBytes: (blockStarts.length - 1) * EROFS_BLKSIZ + used }
}

/** Encodes directory block `k` into `buf` at `at`; returns the bytes used. `nidOf` maps targets to nids. */
export function encodeDirBlock(
  buf: Buffer,
  at: number,
  entries: readonly DirEntry[],
  layout: DirLayout,
  k: number,
  nidOf: (target: number) => number,
): number {
  const start = layout.blockStarts[k]!
  const end = layout.blockStarts[k + 1] ?? entries.length
  let nameoff = erofsDirent.size * (end - start)
  for (let i = start; i < end; i++) {
    const e = entries[i]!
    encode(erofsDirent, buf, at + erofsDirent.size * (i - start), { nid: nidOf(e.target), nameoff, file_type: e.fileType })
    buf.write(e.name, at + nameoff, 'latin1')
    nameoff += e.name.length
  }
  return nameoff
}
