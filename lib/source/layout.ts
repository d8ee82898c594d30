// An OCI image layout directory (image-layout.md): `oci-layout`, `index.json`, `blobs/<alg>/<hex>`.
// Blob paths are built only from validated digests (CVE-2024-3727).

import { readFile, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { FormatError, NotFoundError } from '../errors.js'
import { BlobImageSource } from '../oci/blob-source.js'
import { missingBlob, parseDigest } from '../oci/digest.js'
import type { BlobStore, RawBlob } from '../oci/image.js'
import { JSON_LIMIT_BYTES, jsonTooLarge, parseJson } from '../oci/validate.js'
import { readFileStart } from './file-range.js'

/** `oci-layout` must say {"imageLayoutVersion": "1.0.x"}. */
export function checkLayoutMarker(bytes: Uint8Array, what: string): void {
  const json = parseJson(bytes, `${what}: oci-layout`)
  const version = (json as { imageLayoutVersion?: unknown } | null)?.imageLayoutVersion
  if (typeof version !== 'string' || !/^1\.\d+\.\d+$/.test(version)) {
    throw new FormatError(`${what}: oci-layout: imageLayoutVersion: got ${JSON.stringify(version)}, want 1.x.y`, { code: 'INVALID_JSON' })
  }
}

class LayoutStore implements BlobStore {
  readonly name: string
  constructor(private readonly dir: string) {
    this.name = `oci:${dir}`
  }

  async readIndexJson(): Promise<Uint8Array> {
    return readSmallFile(join(this.dir, 'index.json'), `${this.name}: index.json`)
  }

  async openBlob(digest: string): Promise<RawBlob> {
    const { algorithm, hex } = parseDigest(digest, this.name)
    const path = join(this.dir, 'blobs', algorithm, hex)
    const st = await stat(path).catch(() => null)
    if (!st?.isFile()) throw missingBlob(this.name, digest)
    const what = `${this.name}: blob ${digest}`
    return { size: st.size, read: () => readFileStart(path, st.size, what) }
  }

  async close(): Promise<void> {}
}

async function readSmallFile(path: string, what: string): Promise<Buffer> {
  const st = await stat(path).catch(() => null)
  if (!st?.isFile()) throw new NotFoundError(`${what}: not found`)
  if (st.size > JSON_LIMIT_BYTES) throw jsonTooLarge(what, st.size)
  return readFile(path)
}

export async function openLayoutStore(dir: string): Promise<BlobStore> {
  const what = `oci:${dir}`
  const st = await stat(dir).catch(() => null)
  if (!st?.isDirectory()) throw new NotFoundError(`${what}: not a directory`)
  checkLayoutMarker(await readSmallFile(join(dir, 'oci-layout'), `${what}: oci-layout`), what)
  return new LayoutStore(dir)
}

export async function openLayout(dir: string, label?: string): Promise<BlobImageSource> {
  return new BlobImageSource(await openLayoutStore(dir), label)
}
