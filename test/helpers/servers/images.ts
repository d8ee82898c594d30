// Small test images built with umoci (init/new/insert), so their bytes come from an outside tool.

import { execFile } from 'node:child_process'
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { promisify } from 'node:util'

const run = promisify(execFile)

/**
 * An OCI layout at `dir` holding `tag` with one layer per entry of `layers` (each a map of
 * path -> content), inserted at the root of the image.
 */
export async function buildImage(dir: string, tag: string, layers: Array<Record<string, string | Buffer>>): Promise<void> {
  const layout = join(dir, 'layout')
  await run('umoci', ['init', '--layout', layout]).catch(() => {}) // a second tag reuses the layout
  await run('umoci', ['new', '--image', `${layout}:${tag}`])
  for (const [i, files] of layers.entries()) {
    const src = join(dir, `src-${tag}-${i}`)
    for (const [path, content] of Object.entries(files)) {
      await mkdir(join(src, path, '..'), { recursive: true })
      await writeFile(join(src, path), content)
    }
    await run('umoci', ['insert', '--image', `${layout}:${tag}`, src, '/'])
  }
}

export function layoutOf(dir: string): string {
  return join(dir, 'layout')
}
