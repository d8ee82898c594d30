// docker://REF as a BlobStore: the reference's manifest stands in for index.json (one entry,
// labelled with the reference), manifests are fetched by digest from the manifests endpoint and
// everything else streams from the blobs endpoint. Nothing is written to disk.

import { BlobImageSource } from '../../oci/blob-source.js'
import type { BlobStore, RawBlob } from '../../oci/image.js'
import { Annotation, type Descriptor, type ImageIndex } from '../../oci/types.js'
import type { ProgressListener } from '../../progress.js'
import { RegistryClient, type FetchedManifest, type RegistryOptions } from './client.js'
import { formatDockerReference, manifestReference, parseDockerReference } from './reference.js'

export interface RegistrySourceOptions extends RegistryOptions {
  /** Download progress of layer blobs (config and manifests are too small to report). */
  onProgress?: ProgressListener
}

interface LayerPosition {
  index: number
  count: number
}

export class RegistryStore implements BlobStore {
  readonly name: string
  /** The reference in canonical form; the synthesized index.json labels its one entry with it. */
  readonly label: string
  private top: Promise<FetchedManifest> | undefined
  /** Manifest digests we know of (the top one, children of indexes), fetched lazily. */
  private readonly manifests = new Map<string, Promise<FetchedManifest> | undefined>()
  /** Sizes and layer positions from manifests already served. */
  private readonly sizes = new Map<string, number>()
  private readonly layers = new Map<string, LayerPosition>()

  constructor(
    private readonly client: RegistryClient,
    private readonly opts: RegistrySourceOptions,
  ) {
    this.label = formatDockerReference(client.ref)
    this.name = `docker://${this.label}`
  }

  /** The manifest the reference names, fetched once so every later call sees the same one. */
  private topManifest(): Promise<FetchedManifest> {
    this.top ??= this.client.getManifest(manifestReference(this.client.ref)).then(m => {
      this.manifests.set(m.digest, Promise.resolve(m))
      return m
    })
    return this.top
  }

  async readIndexJson(): Promise<Uint8Array> {
    const m = await this.topManifest()
    const entry: Descriptor = {
      mediaType: m.mediaType, digest: m.digest, size: m.bytes.length, annotations: { [Annotation.REF_NAME]: this.label },
    }
    const index: ImageIndex = { schemaVersion: 2, manifests: [entry] }
    return Buffer.from(JSON.stringify(index))
  }

  /** A manifest's exact bytes and descriptor (for writing it out unchanged). */
  async manifest(digest: string): Promise<FetchedManifest> {
    let m = this.manifests.get(digest)
    if (m === undefined) {
      m = this.client.getManifest(digest)
      this.manifests.set(digest, m)
    }
    return m
  }

  async openBlob(digest: string): Promise<RawBlob> {
    if (this.manifests.has(digest)) {
      const m = await this.manifest(digest)
      this.learn(m.bytes)
      return { size: m.bytes.length, read: () => once(m.bytes) }
    }
    const size = this.sizes.get(digest) ?? (await this.client.blobSize(digest))
    const layer = this.layers.get(digest)
    const onProgress = this.opts.onProgress
    const onBytes = onProgress && layer && ((bytes: number, total: number | undefined) => {
      onProgress({ phase: 'download', bytes, total, done: bytes === size, layer: layer.index + 1, layers: layer.count })
    })
    return { size, read: () => this.client.openBlob(digest, size, onBytes) }
  }

  /**
   * Notes what a served manifest refers to: children of an index are manifests, a manifest's
   * config and layers are blobs of known size. Validation proper happens in the shared code.
   */
  private learn(bytes: Buffer): void {
    let json: { manifests?: unknown; config?: unknown; layers?: unknown }
    try {
      json = JSON.parse(bytes.toString('utf8')) as typeof json
    } catch {
      return
    }
    for (const d of descriptors(json.manifests)) if (!this.manifests.has(d.digest)) this.manifests.set(d.digest, undefined)
    const layers = descriptors(json.layers)
    for (const d of [...descriptors([json.config]), ...layers]) this.sizes.set(d.digest, d.size)
    layers.forEach((d, index) => this.layers.set(d.digest, { index, count: layers.length }))
  }

  async close(): Promise<void> {}
}

function descriptors(v: unknown): Array<{ digest: string; size: number }> {
  if (!Array.isArray(v)) return []
  return v.filter((d): d is { digest: string; size: number } =>
    typeof d === 'object' && d !== null && typeof d.digest === 'string' && Number.isSafeInteger(d.size) && d.size >= 0)
}

async function* once(bytes: Buffer): AsyncGenerator<Buffer> {
  yield bytes
}

/** Connects to the registry REF names (`docker://` prefix optional). */
export async function openRegistryStore(ref: string, opts: RegistrySourceOptions = {}): Promise<RegistryStore> {
  const parsed = parseDockerReference(ref.startsWith('docker://') ? ref.slice('docker://'.length) : ref)
  return new RegistryStore(await RegistryClient.connect(parsed, opts), opts)
}

/** docker://REF as an ImageSource: listImages() is the one reference, openImage() picks the platform. */
export async function openRegistry(ref: string, opts: RegistrySourceOptions = {}): Promise<BlobImageSource> {
  return new BlobImageSource(await openRegistryStore(ref, opts))
}
