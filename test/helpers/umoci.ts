// The reference unpacker: extracts an oci-archive to a layout with GNU tar and runs `umoci unpack`
// on it, in the test run itself. Returns the rootfs directory (cached per archive and tag).

import { execFile } from 'node:child_process'
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'

const run = promisify(execFile)
const cache = new Map<string, Promise<string>>()
let root: Promise<string> | undefined

/** umoci needs a tag: the given label, else the only ref.name in index.json, else latest. */
async function tagFor(layout: string, label: string | undefined): Promise<string> {
  if (label !== undefined) return label
  const index = JSON.parse(await readFile(join(layout, 'index.json'), 'utf8')) as {
    manifests: Array<{ annotations?: Record<string, string> }>
  }
  const names = index.manifests.map(m => m.annotations?.['org.opencontainers.image.ref.name']).filter(Boolean)
  if (names.length === 1) return names[0]!
  if (names.includes('latest')) return 'latest'
  throw new Error(`umoci reference: cannot pick a tag among ${names.join(', ')}`)
}

export function umociRootfs(archive: string, label: string | undefined): Promise<string> {
  const key = `${archive}\0${label ?? ''}`
  let p = cache.get(key)
  if (!p) {
    p = (async () => {
      root ??= mkdtemp(join(tmpdir(), 'umoci-ref-'))
      const dir = await mkdtemp(join(await root, 'x-'))
      const layout = join(dir, 'layout')
      await mkdir(layout)
      await run('tar', ['-xf', archive, '-C', layout])
      const tag = await tagFor(layout, label)
      await run('umoci', ['unpack', '--image', `${layout}:${tag}`, join(dir, 'bundle')], { maxBuffer: 16 << 20 })
      await rm(layout, { recursive: true })
      return join(dir, 'bundle', 'rootfs')
    })()
    cache.set(key, p)
  }
  return p
}

/** Removes every reference tree made in this process. */
export async function cleanupUmoci(): Promise<void> {
  if (root) await rm(await root, { recursive: true, force: true })
}
