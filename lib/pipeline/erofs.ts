// OCI image -> deterministic EROFS image (file or digest). The tree is built from the layers'
// headers first; file data is then streamed from the layers straight into its planned place in the
// image, so no unpacked copy of the tree ever exists on disk. Directories: erofs-dir.ts.

import type { Image } from '../oci/image.js'
import type { ProgressListener } from '../progress.js'
import { digestErofs, writeErofs, type ErofsOptions } from '../erofs/mkfs.js'
import { writeAtomically, type AtomicWriteOptions } from '../fs/atomic.js'
import type { Tree } from '../tree/node.js'
import { treeFromImage } from './scan.js'
import { contentReaderFor } from './unpack.js'

export interface BuildOptions extends ErofsOptions, AtomicWriteOptions {
  onProgress?: ProgressListener
}

export interface ErofsResult {
  readonly tree: Tree
  readonly bytes: number
}

export async function erofsFromImage(image: Image, path: string, opts: BuildOptions = {}): Promise<ErofsResult> {
  // Inside: the output is checked before the layers are read.
  return writeAtomically(path, async tmp => {
    const tree = await treeFromImage(image, opts)
    const { bytes } = await writeErofs(tree, contentReaderFor(image, opts.onProgress), tmp, opts)
    return { tree, bytes }
  }, opts)
}

/** sha256 of the image erofsFromImage would write, without writing it. */
export async function erofsDigestOfImage(image: Image, opts: BuildOptions = {}): Promise<string> {
  const tree = await treeFromImage(image, opts)
  return digestErofs(tree, contentReaderFor(image, opts.onProgress), opts)
}
