// Writes a file under a temporary name beside its destination and renames it into place only when
// complete, so a failed or interrupted run never leaves a truncated file under the final name.
// The destination is checked first, before any long work: rename() would silently replace a
// device node, a fifo or one of the inputs, and a missing directory would only show at the end.

import { randomBytes } from 'node:crypto'
import { rmSync, type Stats } from 'node:fs'
import { lstat, rename, rm, stat } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import { UsageError } from '../errors.js'
import { onInterrupt } from './interrupt.js'

export interface AtomicWriteOptions {
  /** Files the output is made from: replacing one of them (same device and inode) is refused. */
  inputs?: readonly string[]
}

export async function writeAtomically<T>(
  path: string,
  write: (tmpPath: string) => Promise<T>,
  opts: AtomicWriteOptions = {},
): Promise<T> {
  await checkOutput(path, opts.inputs ?? [])
  // Random: two writers of one path (in this process or another) never share a temporary file.
  const tmp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`)
  const unregister = onInterrupt(() => rmSync(tmp, { force: true }))
  try {
    const result = await write(tmp)
    await rename(tmp, path)
    return result
  } catch (err) {
    await rm(tmp, { force: true })
    throw err
  } finally {
    unregister()
  }
}

/** Throws a UsageError naming `path` unless a regular file may be renamed into place there. */
async function checkOutput(path: string, inputs: readonly string[]): Promise<void> {
  if (path === '') throw new UsageError('output path is empty')
  const dir = dirname(path)
  const dirStat = await stat(dir).catch(missing)
  if (!dirStat) throw new UsageError(`${path}: directory ${dir} does not exist`)
  if (!dirStat.isDirectory()) throw new UsageError(`${path}: ${dir} is not a directory`)
  // lstat: rename() replaces a symlink itself, never what it points to.
  const existing = await lstat(path).catch(missing)
  if (!existing) return
  const kind = specialKind(existing)
  if (kind) throw new UsageError(`${path}: is a ${kind}; refusing to replace it`)
  for (const input of inputs) {
    const st = await stat(input).catch(missing)
    if (st && st.dev === existing.dev && st.ino === existing.ino) {
      throw new UsageError(`${path}: is the same file as the input ${input}; refusing to replace it`)
    }
  }
}

function specialKind(st: Stats): string | undefined {
  if (st.isDirectory()) return 'directory'
  if (st.isBlockDevice()) return 'block device'
  if (st.isCharacterDevice()) return 'character device'
  if (st.isFIFO()) return 'fifo'
  if (st.isSocket()) return 'socket'
  return undefined
}

function missing(err: NodeJS.ErrnoException): undefined {
  if (err.code === 'ENOENT') return undefined
  throw err
}
