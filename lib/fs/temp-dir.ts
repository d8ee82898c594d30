// A private temporary directory that is removed when its owner is done with it or, failing that,
// when the process is killed by a signal (interrupt.ts).

import { rmSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { onInterrupt } from './interrupt.js'

export interface TempDir {
  readonly path: string
  /** Removes the directory and everything in it; safe to call more than once. */
  remove(): Promise<void>
}

export async function makeTempDir(parent: string, prefix: string): Promise<TempDir> {
  const path = await mkdtemp(join(parent, prefix))
  const unregister = onInterrupt(() => rmSync(path, { recursive: true, force: true }))
  return {
    path,
    remove: async () => {
      try {
        await rm(path, { recursive: true, force: true })
      } finally {
        unregister()
      }
    },
  }
}
