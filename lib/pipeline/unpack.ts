// OCI image -> directory, in one pass over the layers: the tree is built from the headers while
// file data is copied to a staging folder inside the target (stage.ts); the directory writer then
// creates the final tree, renaming each surviving file into place.

import { randomBytes } from 'node:crypto'
import { readdirSync, rmSync } from 'node:fs'
import { mkdir, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { onInterrupt } from '../fs/interrupt.js'
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
 * tree. On failure, or when the process is killed by a signal, what was written is removed again,
 * so a half-made tree is never left behind.
 */
export async function unpackImage(image: Image, dir: string, opts: UnpackOptions = {}): Promise<Tree> {
  await prepareTarget(dir) // before the long scan, and so everything in dir afterwards is ours
  // A random name: an image cannot plant an entry that collides with it (checked anyway).
  const staging = join(dir, `.bootc-live-staging-${randomBytes(8).toString('hex')}`)
  const unregister = onInterrupt(() => removeContents(dir))
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
    removeContents(dir)
    throw err
  } finally {
    unregister()
  }
}

/** Reads any content a tree built from `image` (without staging) refers to. */
export function contentReaderFor(image: Image, onProgress?: ProgressListener): BasicContentReader {
  return new BasicContentReader(new LayerContentReader(image, onProgress))
}

/** Synchronous, so that it can run from a signal handler (fs/interrupt.ts). */
function removeContents(dir: string): void {
  const base = Buffer.from(`${dir}/`)
  let names: Buffer[]
  try {
    names = readdirSync(dir, { encoding: 'buffer' })
  } catch {
    return // nothing was written
  }
  for (const n of names) rmSync(Buffer.concat([base, n]), { recursive: true, force: true })
}
