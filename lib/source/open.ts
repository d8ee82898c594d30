// SOURCE string -> ImageSource. Archives and layouts are read here; registry and http sources are
// added by their own modules.

import { existsSync, statSync } from 'node:fs'
import { UnsupportedError } from '../errors.js'
import { BlobImageSource } from '../oci/blob-source.js'
import type { ImageSource } from '../oci/image.js'
import { parseSourceRef, type SourceRef } from '../oci/reference.js'
import { openArchiveStore } from './archive.js'
import { openCompressedArchiveStore, sniffFile } from './compressed.js'
import { openLayoutStore } from './layout.js'

export interface OpenSourceOptions {
  /** Where a compressed archive is decompressed to (default: os.tmpdir()). */
  tmpDir?: string
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
    case 'docker':
      throw new UnsupportedError(`image source ${ref.kind === 'docker' ? 'docker://' : ''}${ref.location}: ${ref.kind} sources are not supported yet`)
    case 'layout':
      return openLayoutStore(ref.location)
    case 'archive':
      if (!ref.explicitKind && statSync(ref.location).isDirectory()) return openLayoutStore(ref.location)
      if ((await sniffFile(ref.location)) !== 'none') return openCompressedArchiveStore(ref.location, opts.tmpDir)
      return openArchiveStore(ref.location)
  }
}
