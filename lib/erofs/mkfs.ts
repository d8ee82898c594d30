// Public entry points: build an uncompressed EROFS image from a tree, to a file or as a digest.
// Only features Debian bookworm's 6.1 kernel mounts: 4096-byte blocks, compact/extended inodes,
// FLAT_PLAIN/FLAT_INLINE data, shared and inline xattrs, no compression, chunks or name filters.

import type { ContentReader } from '../tree/content.js'
import type { Tree } from '../tree/node.js'
import { DEFAULT_WINDOW_BYTES, digestImage, emitToFile } from './emit.js'
import { planImage, type ErofsOptions } from './plan.js'

export type { ErofsOptions } from './plan.js'

/** Writes the image of `tree` to `path`; file contents come from `reader`. */
export async function writeErofs(tree: Tree, reader: ContentReader, path: string, opts?: ErofsOptions): Promise<{ bytes: number }> {
  const plan = planImage(tree, opts)
  return { bytes: await emitToFile(plan, reader, path) }
}

/**
 * 'sha256:<hex>' of the image writeErofs would write, without writing it: the image is built in
 * windows of at most `windowBytes` (a multiple of 4096, default 256 MiB), one reader pass per window,
 * except that an image at most 1/8 larger than one window is built in one (one pass, not two).
 */
export async function digestErofs(tree: Tree, reader: ContentReader, opts?: ErofsOptions & { windowBytes?: number }): Promise<string> {
  const plan = planImage(tree, opts)
  return digestImage(plan, reader, opts?.windowBytes ?? DEFAULT_WINDOW_BYTES)
}
