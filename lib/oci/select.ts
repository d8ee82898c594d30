// Walking index.json to one image manifest: the label lookup (containers/image oci/layout: exact
// ref.name match, first match wins) with this project's defaults, then platform selection through
// image indexes (nested ones too, bounded).

import { NotFoundError, UnsupportedError } from '../errors.js'
import { formatPlatform, platformMatches } from './platform.js'
import { normalizeImageName } from './reference.js'
import { shortDigest } from './digest.js'
import { validateIndex, validateManifest } from './validate.js'
import {
  Annotation, INDEX_MEDIA_TYPES, MANIFEST_MEDIA_TYPES, SCHEMA1_MEDIA_TYPES,
  type Descriptor, type ImageIndex, type ImageManifest, type Platform,
} from './types.js'

/** Reads and size-caps the JSON blob a descriptor points at, verified. */
export type JsonReader = (d: Descriptor, what: string) => Promise<unknown>

/** Index nesting we follow (index -> index -> manifest is already unusual). */
export const MAX_INDEX_DEPTH = 4

export function labelOf(d: Descriptor): string | undefined {
  return d.annotations?.[Annotation.REF_NAME]
}

/**
 * No label: the only descriptor, else the one labelled `latest`. A label: the first exact ref.name
 * match; with `normalize`, then the first whose ref.name or containerd name normalises the same.
 */
export function selectByLabel(index: ImageIndex, label: string | undefined, normalize: boolean, source: string): Descriptor {
  const entries = index.manifests
  if (entries.length === 0) throw new NotFoundError(`${source}: index.json lists no images`)
  if (label === undefined) {
    if (entries.length === 1) return entries[0]!
    const latest = entries.find(d => labelOf(d) === 'latest')
    if (latest) return latest
    throw new NotFoundError(`${source}: holds ${entries.length} images and none is labelled latest; pick one of: ${listLabels(entries)}`)
  }
  const exact = entries.find(d => labelOf(d) === label)
  if (exact) return exact
  if (normalize) {
    const want = normalizeImageName(label)
    const found = entries.find(d =>
      [labelOf(d), d.annotations?.[Annotation.CONTAINERD_IMAGE_NAME]].some(n => n !== undefined && normalizeImageName(n) === want))
    if (found) return found
  }
  throw new NotFoundError(`${source}: no image labelled ${JSON.stringify(label)}; labels present: ${listLabels(entries)}`)
}

function listLabels(entries: readonly Descriptor[]): string {
  const labels = entries.map(d => labelOf(d) ?? `(unlabelled ${shortDigest(d.digest)})`)
  return labels.join(', ')
}

/** First entry whose platform matches; entries without a platform only when none does. */
export function selectPlatform(index: ImageIndex, want: Platform, what: string): Descriptor {
  const usable = index.manifests.filter(d => INDEX_MEDIA_TYPES.includes(d.mediaType) || MANIFEST_MEDIA_TYPES.includes(d.mediaType))
  const match = usable.find(d => d.platform !== undefined && platformMatches(want, d.platform))
    ?? usable.find(d => d.platform === undefined)
  if (match) return match
  const present = index.manifests.map(d => (d.platform ? formatPlatform(d.platform) : '(none)')).join(', ')
  throw new NotFoundError(`${what}: no image for platform ${formatPlatform(want)}; platforms present: ${present || '(none)'}`)
}

export interface Resolved {
  descriptor: Descriptor
  manifest: ImageManifest
}

/** Follows `desc` through image indexes to an image manifest for `platform`. */
export async function resolveManifest(read: JsonReader, desc: Descriptor, platform: Platform, source: string): Promise<Resolved> {
  let current = desc
  for (let depth = 0; ; depth++) {
    const what = `${source}: ${kindOf(current)} ${current.digest}`
    if (MANIFEST_MEDIA_TYPES.includes(current.mediaType)) {
      return { descriptor: current, manifest: validateManifest(await read(current, what), what, current.mediaType) }
    }
    checkNavigable(current, what)
    if (depth >= MAX_INDEX_DEPTH) throw new UnsupportedError(`${what}: image indexes nested deeper than ${MAX_INDEX_DEPTH}`)
    const index = validateIndex(await read(current, what), what, current.mediaType)
    current = selectPlatform(index, platform, what)
  }
}

/** Platforms an entry offers, reading nested indexes; a manifest without one reports none. */
export async function platformsOf(read: JsonReader, desc: Descriptor, source: string, depth = 0): Promise<Platform[]> {
  if (desc.platform) return [desc.platform]
  if (!INDEX_MEDIA_TYPES.includes(desc.mediaType) || depth >= MAX_INDEX_DEPTH) return []
  const what = `${source}: index ${desc.digest}`
  const index = validateIndex(await read(desc, what), what, desc.mediaType)
  const nested = await Promise.all(index.manifests.map(d => platformsOf(read, d, source, depth + 1)))
  return nested.flat()
}

function checkNavigable(d: Descriptor, what: string): void {
  if (INDEX_MEDIA_TYPES.includes(d.mediaType)) return
  if (SCHEMA1_MEDIA_TYPES.includes(d.mediaType)) throw new UnsupportedError(`${what}: docker schema1 manifests are not supported`)
  throw new UnsupportedError(`${what}: media type ${d.mediaType} is neither an image manifest nor an index`, {
    code: 'UNSUPPORTED_MEDIA_TYPE',
  })
}

function kindOf(d: Descriptor): string {
  return INDEX_MEDIA_TYPES.includes(d.mediaType) ? 'index' : 'manifest'
}
