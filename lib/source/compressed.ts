// A gzip- or zstd-compressed oci-archive (skopeo accepts these). A tar inside a compressed stream
// has no random access, so it is decompressed ONCE into a private temporary file that is then read
// in place like any archive and deleted on close. This costs disk space equal to the archive but
// keeps every later blob read a cheap positional read and lets layers be reopened.

import { createWriteStream } from 'node:fs'
import { open } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { decompress } from '../compress/decompress.js'
import { ioError } from '../errors.js'
import { sniffCompression, SNIFF_BYTES, type Compression } from '../compress/sniff.js'
import { makeTempDir } from '../fs/temp-dir.js'
import type { BlobStore } from '../oci/image.js'
import { openArchiveStore } from './archive.js'
import { readRange } from './file-range.js'

/** The compression of a file, from its first bytes. */
export async function sniffFile(path: string): Promise<Compression> {
  const fh = await open(path, 'r')
  try {
    const head = Buffer.alloc(SNIFF_BYTES)
    const { bytesRead } = await fh.read(head, 0, SNIFF_BYTES, 0).catch(err => {
      throw ioError(`oci-archive:${path}`, err)
    })
    return sniffCompression(head.subarray(0, bytesRead))
  } finally {
    await fh.close()
  }
}

export async function openCompressedArchiveStore(path: string, tmpDir: string = tmpdir()): Promise<BlobStore> {
  const name = `oci-archive:${path}`
  const dir = await makeTempDir(tmpDir, 'bootc-live-archive-')
  try {
    const tarPath = join(dir.path, 'archive.tar')
    const fh = await open(path, 'r')
    try {
      const { size } = await fh.stat()
      await pipeline(Readable.from(decompress(readRange(fh, 0, size, name), name)), createWriteStream(tarPath, { mode: 0o600 }))
    } finally {
      await fh.close()
    }
    return await openArchiveStore(tarPath, name, dir.remove)
  } catch (err) {
    await dir.remove()
    throw err
  }
}
