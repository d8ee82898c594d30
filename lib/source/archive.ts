// An oci-archive (a tar of an image layout) read in place: the tar's headers are indexed once,
// then index.json and blobs are positional reads of their data ranges. Nothing is extracted.
// skopeo writes index.json after the blobs, so nothing can be assumed about member order.

import { open, type FileHandle } from 'node:fs/promises'
import { FormatError, withContextAsync } from '../errors.js'
import { BlobImageSource } from '../oci/blob-source.js'
import { digestProblem, missingBlob } from '../oci/digest.js'
import type { BlobStore, RawBlob } from '../oci/image.js'
import { JSON_LIMIT_BYTES, jsonTooLarge } from '../oci/validate.js'
import type { TarEntry } from '../tar/entry.js'
import { indexTar } from '../tar/index-file.js'
import { readExact, readRange } from './file-range.js'
import { checkLayoutMarker } from './layout.js'

interface Member {
  dataOffset: number
  size: number
}

/** `./blobs/sha256/x` and `blobs/sha256/x` are one member; leading `/` and `./` are dropped. */
export function normaliseMemberName(name: string): string {
  let n = name
  for (;;) {
    if (n.startsWith('./')) n = n.slice(2)
    else if (n.startsWith('/')) n = n.slice(1)
    else return n.replace(/\/+$/, '')
  }
}

/** Only the members an image layout defines, and blob names that are valid digests. */
function isLayoutMember(name: string): boolean {
  if (name === 'index.json' || name === 'oci-layout') return true
  const m = /^blobs\/([^/]+)\/([^/]+)$/.exec(name)
  return m !== null && digestProblem(`${m[1]}:${m[2]}`) === null
}

/** Maps layout member names to data ranges; later duplicates win as in tar; hardlinks resolved. */
export function memberTable(entries: readonly TarEntry[]): Map<string, Member> {
  const members = new Map<string, Member>()
  for (const e of entries) {
    const name = normaliseMemberName(e.path)
    if (!isLayoutMember(name)) continue
    if (e.type === 'file') members.set(name, { dataOffset: e.dataOffset, size: e.size })
    else if (e.type === 'hardlink') {
      const target = members.get(normaliseMemberName(e.linkpath))
      if (target) members.set(name, target)
    }
  }
  return members
}

class ArchiveStore implements BlobStore {
  constructor(
    readonly name: string,
    private readonly fh: FileHandle,
    private readonly members: Map<string, Member>,
    private readonly onClose: () => Promise<void>,
  ) {}

  async readIndexJson(): Promise<Uint8Array> {
    return this.readSmall('index.json')
  }

  async readSmall(member: string): Promise<Buffer> {
    const what = `${this.name}: ${member}`
    const m = this.members.get(member)
    if (!m) throw new FormatError(`${what}: missing: not an oci archive`)
    if (m.size > JSON_LIMIT_BYTES) throw jsonTooLarge(what, m.size)
    return readExact(this.fh, m.dataOffset, m.size, what)
  }

  async openBlob(digest: string): Promise<RawBlob> {
    const colon = digest.indexOf(':')
    const m = this.members.get(`blobs/${digest.slice(0, colon)}/${digest.slice(colon + 1)}`)
    if (!m) throw missingBlob(this.name, digest)
    const { fh } = this
    const what = `${this.name}: blob ${digest}`
    return { size: m.size, read: () => readRange(fh, m.dataOffset, m.size, what) }
  }

  async close(): Promise<void> {
    await this.fh.close()
    await this.onClose()
  }
}

/**
 * Opens an uncompressed oci-archive. `name` is used in messages; `onClose` runs after the file is
 * closed (compressed.ts deletes its temporary file there).
 */
export async function openArchiveStore(path: string, name = `oci-archive:${path}`, onClose = async () => {}): Promise<BlobStore> {
  const fh = await open(path, 'r')
  try {
    const { size } = await fh.stat()
    const entries = await withContextAsync(name, () => indexTar((position, length) => readExact(fh, position, length, name), size))
    const store = new ArchiveStore(name, fh, memberTable(entries), onClose)
    checkLayoutMarker(await store.readSmall('oci-layout'), name)
    return store
  } catch (err) {
    await fh.close()
    throw err
  }
}

export async function openArchive(path: string, label?: string): Promise<BlobImageSource> {
  return new BlobImageSource(await openArchiveStore(path), label)
}
