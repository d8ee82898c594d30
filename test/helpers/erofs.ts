// Outside checks of an EROFS image: fsck.erofs, and a read-only loop mount by the kernel.

import { execFile } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'

const run = promisify(execFile)

/** Runs fsck.erofs; resolves to its combined output, rejects (with the output) on failure. */
export async function fsck(img: string): Promise<string> {
  const { stdout, stderr } = await run('fsck.erofs', [img], { maxBuffer: 64 << 20 })
  return stdout + stderr
}

/** Mounts `img` read-only on a fresh directory, runs fn, always unmounts. */
export async function withMount<T>(img: string, fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'erofs-mnt-'))
  await run('mount', ['-t', 'erofs', '-o', 'loop,ro', img, dir])
  try {
    return await fn(dir)
  } finally {
    await run('umount', [dir])
    await rm(dir, { recursive: true, force: true })
  }
}
