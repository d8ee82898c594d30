// SOURCE string -> ImageSource: archives and layouts on disk, oci-archives over http(s), registries.

import { existsSync, statSync } from 'node:fs'
import { UsageError } from '../errors.js'
import { BlobImageSource } from '../oci/blob-source.js'
import type { ImageSource } from '../oci/image.js'
import { parseSourceRef, type SourceRef } from '../oci/reference.js'
import { openArchiveStore } from './archive.js'
import { BlobCache } from './blob-cache.js'
import { openCompressedArchiveStore, sniffFile } from './compressed.js'
import { openHttpStore, type HttpSourceOptions } from './http.js'
import { openLayoutStore } from './layout.js'
import { openRegistryStore, type RegistrySourceOptions } from './registry/store.js'

/**
 * Network options (retries, insecure, credentials, progress) apply to http(s):// and docker://;
 * `tmpDir` is where a compressed or downloaded archive is kept while the source is open.
 */
export interface OpenSourceOptions extends HttpSourceOptions, RegistrySourceOptions {
  /**
   * Keep docker:// blobs in `tmpDir` after their first read, for callers that read the layers
   * twice (EROFS image and digest): the second pass then reads files instead of downloading again.
   */
  keepBlobs?: boolean
}

export interface OpenedSource extends ImageSource {
  /** The label parsed from the SOURCE string; openImage() uses it unless given another. */
  readonly label: string | undefined
}

/**
 * Opens `FILE[:LABEL]`, `oci-archive:FILE[:LABEL]` or `oci:DIR[:LABEL]`. A bare FILE that is a
 * directory is read as a layout. Compressed archives are recognised by their magic bytes.
 */
export async function openSource(ref: string, opts: OpenSourceOptions = {}): Promise<OpenedSource> {
  const parsed = parseSourceRef(ref, existsSync)
  return new BlobImageSource(await openStore(parsed, opts), parsed.label) as OpenedSource
}

async function openStore(ref: SourceRef, opts: OpenSourceOptions) {
  switch (ref.kind) {
    case 'http':
      return openHttpStore(ref.location, opts)
    case 'docker': {
      const store = await openRegistryStore(ref.location, opts)
      return opts.keepBlobs ? new BlobCache(store, opts.tmpDir) : store
    }
    case 'layout':
      return openLayoutStore(ref.location)
    case 'archive': {
      const st = statSync(ref.location)
      if (!ref.explicitKind && st.isDirectory()) return openLayoutStore(ref.location)
      // A fifo or device would block or read without end: archives are read by position.
      if (!st.isFile()) throw new UsageError(`oci-archive:${ref.location}: not a regular file`)
      if ((await sniffFile(ref.location)) !== 'none') return openCompressedArchiveStore(ref.location, opts.tmpDir)
      return openArchiveStore(ref.location)
    }
  }
}
