// Keeps each blob of a network store in a temporary file after its first complete read, so a
// second pass over the layers (building an EROFS image or its digest reads them twice) reads the
// file instead of downloading again. Costs disk (tmpfs in an initramfs) equal to the compressed
// layers, like a downloaded archive; everything is deleted on close. Digests are still checked on
// every read by the code above (blob-source.ts), so a file changed underneath fails loudly.

import { open, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { makeTempDir, type TempDir } from '../fs/temp-dir.js'
import type { BlobStore, RawBlob } from '../oci/image.js'
import { readFileStart } from './file-range.js'

export class BlobCache implements BlobStore {
  readonly name: string
  private dir: Promise<TempDir> | undefined
  /** digest -> the file holding all of its bytes. */
  private readonly complete = new Map<string, { path: string; size: number }>()
  private files = 0

  constructor(
    private readonly inner: BlobStore,
    private readonly tmpDir: string = tmpdir(),
  ) {
    this.name = inner.name
  }

  readIndexJson(): Promise<Uint8Array> {
    return this.inner.readIndexJson()
  }

  async openBlob(digest: string): Promise<RawBlob> {
    const cached = this.complete.get(digest)
    if (cached !== undefined) {
      const { path, size } = cached
      return { size, read: () => readFileStart(path, size, `${this.name}: blob ${digest} (kept in ${path})`) }
    }
    const blob = await this.inner.openBlob(digest)
    return { size: blob.size, read: () => this.keep(digest, blob) }
  }

  /** Streams the blob on while writing it to a new file; the file counts once every byte is in. */
  private async *keep(digest: string, blob: RawBlob): AsyncGenerator<Buffer> {
    this.dir ??= makeTempDir(this.tmpDir, 'bootc-live-blobs-')
    const path = join((await this.dir).path, String(this.files++))
    const fh = await open(path, 'wx', 0o600)
    let bytes = 0
    let kept = false
    try {
      for await (const chunk of blob.read()) {
        await fh.write(chunk)
        bytes += chunk.length
        yield chunk
      }
      kept = bytes === blob.size && !this.complete.has(digest)
      if (kept) this.complete.set(digest, { path, size: bytes })
    } finally {
      await fh.close()
      if (!kept) await rm(path, { force: true })
    }
  }

  async close(): Promise<void> {
    try {
      await this.inner.close()
    } finally {
      if (this.dir) await (await this.dir).remove()
    }
  }
}
