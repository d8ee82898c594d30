// Everything a source needs beyond its BlobStore, written once: verified blob streams, capped JSON
// reads, index.json, label and platform selection, layers with diffId checks.

import { createHash } from 'node:crypto'
import { DigestMismatchError, SizeMismatchError } from '../errors.js'
import { decompress } from '../compress/decompress.js'
import { parseDigest, shortDigest, verifyStream } from './digest.js'
import { checkImagePlatform, currentPlatform } from './platform.js'
import { labelOf, platformsOf, resolveManifest, selectByLabel } from './select.js'
import { JSON_LIMIT_BYTES, jsonTooLarge, parseJson, validateConfig, validateIndex } from './validate.js'
import type { BlobStore, Image, ImageEntry, ImageSource, Layer, OpenImageOptions } from './image.js'
import type { Descriptor, ImageIndex } from './types.js'

/** The blob `d` names, failing early on a stored size that differs and at the end on a bad digest. */
export async function* getBlob(store: BlobStore, d: Descriptor, what: string): AsyncGenerator<Buffer> {
  parseDigest(d.digest, what)
  const raw = await store.openBlob(d.digest)
  if (raw.size !== d.size) throw new SizeMismatchError(what, raw.size, d.size)
  yield* verifyStream(raw.read(), d, what)
}

export async function readJson(store: BlobStore, d: Descriptor, what: string): Promise<unknown> {
  if (d.size > JSON_LIMIT_BYTES) throw jsonTooLarge(what, d.size)
  const chunks: Buffer[] = []
  for await (const chunk of getBlob(store, d, what)) chunks.push(chunk)
  return parseJson(Buffer.concat(chunks), what)
}

/** sha256 (or sha512) of the decompressed stream must equal `diffId`; checked at the end. */
async function* checkDiffId(src: AsyncIterable<Buffer>, diffId: string, what: string): AsyncGenerator<Buffer> {
  const { algorithm } = parseDigest(diffId, what)
  const hash = createHash(algorithm)
  for await (const chunk of src) {
    hash.update(chunk)
    yield chunk
  }
  const got = `${algorithm}:${hash.digest('hex')}`
  if (got !== diffId) throw new DigestMismatchError(`${what}: uncompressed`, got, diffId)
}

class BlobLayer implements Layer {
  constructor(
    private readonly store: BlobStore,
    readonly index: number,
    readonly count: number,
    readonly descriptor: Descriptor,
    readonly diffId: string,
  ) {}

  private get what(): string {
    return `layer ${this.index + 1}/${this.count} ${shortDigest(this.descriptor.digest)}`
  }

  open(): AsyncIterable<Buffer> {
    return getBlob(this.store, this.descriptor, this.what)
  }

  openUncompressed(): AsyncIterable<Buffer> {
    // The decompressors read their input to EOF, so the blob digest is checked before the diffId.
    return checkDiffId(decompress(this.open(), this.what), this.diffId, this.what)
  }
}

export class BlobImageSource implements ImageSource {
  /** `label` is the default for openImage(), e.g. the one parsed from `oci:DIR:LABEL`. */
  constructor(
    private readonly store: BlobStore,
    readonly label?: string,
  ) {}

  private async rootIndex(): Promise<ImageIndex> {
    const what = `${this.store.name}: index.json`
    const bytes = await this.store.readIndexJson()
    return validateIndex(parseJson(bytes, what), what)
  }

  private readonly read = (d: Descriptor, what: string): Promise<unknown> => readJson(this.store, d, what)

  async listImages(): Promise<ImageEntry[]> {
    const index = await this.rootIndex()
    return Promise.all(index.manifests.map(async d => ({
      label: labelOf(d),
      mediaType: d.mediaType,
      digest: d.digest,
      size: d.size,
      platforms: await platformsOf(this.read, d, this.store.name),
    })))
  }

  async openImage(opts: OpenImageOptions = {}): Promise<Image> {
    const source = this.store.name
    const label = opts.label ?? this.label
    const index = await this.rootIndex()
    const top = selectByLabel(index, label, opts.normalizeLabel ?? false, source)
    const { descriptor, manifest } = await resolveManifest(this.read, top, opts.platform ?? currentPlatform(), source)
    const what = `${source}: config ${descriptor.digest}`
    const config = validateConfig(await this.read(manifest.config, what), what, manifest.layers.length)
    // Without an index only the config says what the image is: an explicit request is checked
    // against it (the default, this machine, only steers index selection).
    if (opts.platform && descriptor === top) checkImagePlatform(opts.platform, config, label === undefined ? source : `${source}:${label}`)
    const count = manifest.layers.length
    const layers = manifest.layers.map((d, i) => new BlobLayer(this.store, i, count, d, config.rootfs.diff_ids[i]!))
    return { name: label ?? labelOf(top) ?? descriptor.digest, manifestDigest: descriptor.digest, manifest, config, layers }
  }

  close(): Promise<void> {
    return this.store.close()
  }
}
