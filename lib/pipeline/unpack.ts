// OCI image -> directory, in one pass over the layers: the tree is built from the headers while
// file data is copied to a staging folder inside the target (stage.ts); the directory writer then
// creates the final tree, renaming each surviving file into place.

import { randomBytes } from 'node:crypto'
import { mkdir, readdir, rm } from 'node:fs/promises'
import { join } from 'node:path'
import type { Image } from '../oci/image.js'
import type { ProgressListener } from '../progress.js'
import { BasicContentReader } from '../tree/content.js'
import type { Tree } from '../tree/node.js'
import { prepareTarget, writeTreeToDir } from '../tree/to-dir.js'
import { LayerContentReader } from './layer-content.js'
import { treeFromImage } from './scan.js'
import { Stager } from './stage.js'

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
  // A random name: an image cannot plant an entry that collides with it (checked anyway).
  const staging = join(dir, `.bootc-live-staging-${randomBytes(8).toString('hex')}`)
  try {
    await mkdir(staging, 0o700)
    const tree = await treeFromImage(image, { ...opts, stager: new Stager(staging) })
    await writeTreeToDir(tree, new BasicContentReader(), dir, {
      moveFrom: staging,
      ...(opts.onWarning ? { onWarning: opts.onWarning } : {}),
    })
    await rm(staging, { recursive: true })
    return tree
  } catch (err) {
    await removeContents(dir)
    throw err
  }
}

/** Reads any content a tree built from `image` (without staging) refers to. */
export function contentReaderFor(image: Image, onProgress?: ProgressListener): BasicContentReader {
  return new BasicContentReader(new LayerContentReader(image, onProgress))
}

async function removeContents(dir: string): Promise<void> {
  const base = Buffer.from(`${dir}/`)
  const names = await readdir(dir, { encoding: 'buffer' }).catch(() => [])
  await Promise.all(names.map(n => rm(Buffer.concat([base, n]), { recursive: true, force: true })))
}
