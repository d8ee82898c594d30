// docker://REF -> oci-archive, like `skopeo copy docker://REF oci-archive:OUT:LABEL`: the image for
// one platform, its manifest and config byte for byte, layers streamed from the registry into the
// archive (verified on the way, never staged elsewhere on disk).

import { BlobImageSource, getBlob } from '../../oci/blob-source.js'
import type { Platform } from '../../oci/types.js'
import { writeOciArchive } from '../../oci/write-archive.js'
import { openRegistryStore, type RegistrySourceOptions } from './store.js'

export interface PullOptions extends RegistrySourceOptions {
  /** ref.name annotation in index.json; default: the canonical reference (podman save style). */
  label?: string
  /** Default: the running machine's platform. */
  platform?: Platform
}

export interface PullResult {
  manifestDigest: string
  label: string
}

export async function pullToArchive(ref: string, outPath: string, opts: PullOptions = {}): Promise<PullResult> {
  const store = await openRegistryStore(ref, opts)
  try {
    const image = await new BlobImageSource(store).openImage(opts.platform ? { platform: opts.platform } : {})
    const m = await store.manifest(image.manifestDigest)
    const configDesc = image.manifest.config
    const chunks: Buffer[] = []
    for await (const c of getBlob(store, configDesc, `${store.name}: config`)) chunks.push(c)
    const label = opts.label ?? store.label
    await writeOciArchive(outPath, {
      manifest: { descriptor: { mediaType: m.mediaType, digest: m.digest, size: m.bytes.length }, bytes: m.bytes },
      config: { descriptor: configDesc, bytes: Buffer.concat(chunks) },
      layers: image.layers,
    }, { label })
    return { manifestDigest: image.manifestDigest, label }
  } finally {
    await store.close()
  }
}
