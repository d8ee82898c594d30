// OCI image -> directory: pass 1 builds the tree from the layers' headers, pass 2 streams the
// layers again and writes each surviving file once, straight to its final place.

import { readdir, rm } from 'node:fs/promises'
import type { Image } from '../oci/image.js'
import type { ProgressListener } from '../progress.js'
import { BasicContentReader } from '../tree/content.js'
import type { Tree } from '../tree/node.js'
import { prepareTarget, writeTreeToDir } from '../tree/to-dir.js'
import { LayerContentReader } from './layer-content.js'
import { treeFromImage } from './scan.js'

export interface UnpackOptions {
  onProgress?: ProgressListener
  onWarning?: (message: string) => void
}

/**
 * Writes the image's root filesystem into `dir` (which must not exist or be empty) and returns the
 * tree. On failure what was written is removed again, so a half-made tree is never left behind.
 */
export async function unpackImage(image: Image, dir: string, opts: UnpackOptions = {}): Promise<Tree> {
  await prepareTarget(dir) // before the long scan, and so everything in dir afterwards is ours
  try {
    const tree = await treeFromImage(image, opts)
    await writeTreeToDir(tree, contentReaderFor(image, opts.onProgress), dir, {
      ...(opts.onWarning ? { onWarning: opts.onWarning } : {}),
    })
    return tree
  } catch (err) {
    await removeContents(dir)
    throw err
  }
}

/** Reads any content a tree built from `image` refers to. */
export function contentReaderFor(image: Image, onProgress?: ProgressListener): BasicContentReader {
  return new BasicContentReader(new LayerContentReader(image, onProgress))
}

async function removeContents(dir: string): Promise<void> {
  const base = Buffer.from(`${dir}/`)
  const names = await readdir(dir, { encoding: 'buffer' }).catch(() => [])
  await Promise.all(names.map(n => rm(Buffer.concat([base, n]), { recursive: true, force: true })))
}
