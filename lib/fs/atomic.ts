// Writes a file under a temporary name beside its destination and renames it into place only when
// complete, so a failed or interrupted run never leaves a truncated file under the final name.

import { rename, rm } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'

export async function writeAtomically<T>(path: string, write: (tmpPath: string) => Promise<T>): Promise<T> {
  const tmp = join(dirname(path), `.${basename(path)}.tmp-${process.pid}`)
  try {
    const result = await write(tmp)
    await rename(tmp, path)
    return result
  } catch (err) {
    await rm(tmp, { force: true })
    throw err
  }
}
