// Writes one image as an oci-archive, as `skopeo copy ... oci-archive:OUT:LABEL` does: oci-layout,
// the blobs, then index.json naming the manifest (with the ref.name annotation when labelled).
// The archive is written under a temporary name in the target directory and renamed at the end
// (fs/atomic.ts), so a failed or interrupted write never leaves a partial archive at `outPath`.

import { createWriteStream } from 'node:fs'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { writeAtomically, type AtomicWriteOptions } from '../fs/atomic.js'
import { writeTar, type TarWriteEntry } from '../tar/writer.js'
import { parseDigest } from './digest.js'
import type { Layer } from './image.js'
import { Annotation, type Descriptor, type ImageIndex } from './types.js'

/** A JSON blob (manifest, config) with the exact bytes its descriptor's digest covers. */
export interface JsonBlob {
  descriptor: Descriptor
  bytes: Uint8Array
}

export interface ArchiveContents {
  manifest: JsonBlob
  config: JsonBlob
  /** Streamed with open(): verified against their descriptors while written. */
  layers: readonly Layer[]
}

export interface WriteArchiveOptions extends AtomicWriteOptions {
  /** Becomes org.opencontainers.image.ref.name on the index.json entry. */
  label?: string
}

const OCI_LAYOUT = Buffer.from(JSON.stringify({ imageLayoutVersion: '1.0.0' }))

export async function writeOciArchive(outPath: string, img: ArchiveContents, opts: WriteArchiveOptions = {}): Promise<void> {
  await writeAtomically(
    outPath,
    tmp => pipeline(Readable.from(writeTar(archiveEntries(img, opts))), createWriteStream(tmp, { mode: 0o644, flags: 'wx' })),
    opts,
  )
}

function archiveEntries(img: ArchiveContents, opts: WriteArchiveOptions): TarWriteEntry[] {
  const blobs = new Map<string, TarWriteEntry>()
  const add = (d: Descriptor, body: () => AsyncIterable<Uint8Array>) => {
    const { algorithm, hex } = parseDigest(d.digest, 'oci-archive blob')
    const name = `blobs/${algorithm}/${hex}`
    if (!blobs.has(name)) blobs.set(name, { name, type: 'file', size: d.size, body })
  }
  add(img.config.descriptor, () => once(img.config.bytes))
  for (const layer of img.layers) add(layer.descriptor, () => layer.open())
  add(img.manifest.descriptor, () => once(img.manifest.bytes))
  const algorithms = new Set([...blobs.keys()].map(n => n.split('/')[1]!))
  const index = Buffer.from(JSON.stringify(indexFor(img.manifest.descriptor, opts.label)))
  return [
    { name: 'oci-layout', type: 'file', size: OCI_LAYOUT.length, body: () => once(OCI_LAYOUT) },
    { name: 'blobs/', type: 'dir' },
    ...[...algorithms].sort().map((a): TarWriteEntry => ({ name: `blobs/${a}/`, type: 'dir' })),
    ...blobs.values(),
    { name: 'index.json', type: 'file', size: index.length, body: () => once(index) },
  ]
}

function indexFor(manifest: Descriptor, label: string | undefined): ImageIndex {
  const entry: Descriptor = { mediaType: manifest.mediaType, digest: manifest.digest, size: manifest.size }
  if (label !== undefined) entry.annotations = { [Annotation.REF_NAME]: label }
  return { schemaVersion: 2, manifests: [entry] }
}

async function* once(bytes: Uint8Array): AsyncGenerator<Uint8Array> {
  yield bytes
}
