// Directory tree -> deterministic EROFS image (file or digest), like mkfs.erofs. Apart from
// erofs.ts so that `mkfs` does not load the OCI, tar and decompression modules at start.

import { digestErofs, writeErofs, type ErofsOptions } from '../erofs/mkfs.js'
import { writeAtomically } from '../fs/atomic.js'
import { BasicContentReader } from '../tree/content.js'
import { treeFromDir } from '../tree/from-dir.js'
import type { ErofsResult } from './erofs.js'

export async function erofsFromDir(dir: string, path: string, opts: ErofsOptions = {}): Promise<ErofsResult> {
  // Inside: the output is checked before the directory is read.
  return writeAtomically(path, async tmp => {
    const tree = await treeFromDir(dir)
    const { bytes } = await writeErofs(tree, new BasicContentReader(), tmp, opts)
    return { tree, bytes }
  })
}

export async function erofsDigestOfDir(dir: string, opts: ErofsOptions = {}): Promise<string> {
  return digestErofs(await treeFromDir(dir), new BasicContentReader(), opts)
}
