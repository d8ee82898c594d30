// Runtime checks that turn parsed JSON into the types of types.ts. Every failure names the blob
// ("manifest sha256:ab12...") and the field path ("layers[2].digest"). Unknown fields are ignored,
// as image-spec requires; known fields must have the right shape.

import { FormatError, LimitError, UnsupportedError } from '../errors.js'
import { digestProblem } from './digest.js'
import {
  CONFIG_MEDIA_TYPES, ENCRYPTED_SUFFIX, INDEX_MEDIA_TYPES, LAYER_MEDIA_TYPES, MANIFEST_MEDIA_TYPES,
  SCHEMA1_MEDIA_TYPES,
  type ContainerConfig, type Descriptor, type HistoryEntry, type ImageConfig, type ImageIndex,
  type ImageManifest, type Platform,
} from './types.js'

/** Index, manifest and config blobs larger than this are refused before reading. */
export const JSON_LIMIT_BYTES = 4 * 1024 * 1024

type Obj = Record<string, unknown>

class Invalid {
  constructor(readonly what: string) {}
  fail(path: string, problem: string): never {
    throw new FormatError(`${this.what}: ${path}: ${problem}`, { code: 'INVALID_JSON' })
  }
  obj(v: unknown, path: string): Obj {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) this.fail(path, `want an object, got ${kind(v)}`)
    return v as Obj
  }
  str(v: unknown, path: string): string {
    if (typeof v !== 'string') this.fail(path, `want a string, got ${kind(v)}`)
    return v
  }
  optStr(v: unknown, path: string): string | undefined {
    return v === undefined ? undefined : this.str(v, path)
  }
  strArray(v: unknown, path: string): string[] {
    if (!Array.isArray(v)) this.fail(path, `want an array of strings, got ${kind(v)}`)
    v.forEach((s, i) => this.str(s, `${path}[${i}]`))
    return v as string[]
  }
  /** Docker writes `null` for empty lists and maps; treat it as absent. */
  optStrArray(v: unknown, path: string): string[] | undefined {
    return v === undefined || v === null ? undefined : this.strArray(v, path)
  }
  strMap(v: unknown, path: string): Record<string, string> | undefined {
    if (v === undefined || v === null) return undefined
    const o = this.obj(v, path)
    for (const [k, s] of Object.entries(o)) this.str(s, `${path}[${JSON.stringify(k)}]`)
    return o as Record<string, string>
  }
  optObj(v: unknown, path: string): Record<string, object> | undefined {
    return v === undefined || v === null ? undefined : (this.obj(v, path) as Record<string, object>)
  }
  array(v: unknown, path: string): unknown[] {
    if (!Array.isArray(v)) this.fail(path, `want an array, got ${kind(v)}`)
    return v
  }
  digest(v: unknown, path: string): string {
    const s = this.str(v, path)
    const problem = digestProblem(s)
    if (problem !== null) this.fail(path, problem)
    return s
  }
}

/** JSON.parse with the size cap; the bytes are already verified against their descriptor. */
export function parseJson(bytes: Uint8Array, what: string): unknown {
  if (bytes.length > JSON_LIMIT_BYTES) throw jsonTooLarge(what, bytes.length)
  try {
    return JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('utf8'))
  } catch (err) {
    throw new FormatError(`${what}: not valid json: ${(err as Error).message}`, { code: 'INVALID_JSON', cause: err })
  }
}

export function jsonTooLarge(what: string, size: number): LimitError {
  return new LimitError(`${what}: json blob of ${size} bytes exceeds the limit of ${JSON_LIMIT_BYTES}`)
}

export function validateDescriptor(v: unknown, what: string, path = 'descriptor'): Descriptor {
  const c = new Invalid(what)
  return descriptor(c, v, path)
}

function descriptor(c: Invalid, v: unknown, path: string): Descriptor {
  const o = c.obj(v, path)
  const mediaType = c.str(o.mediaType, `${path}.mediaType`)
  if (!/^[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}\/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}$/.test(mediaType)) {
    c.fail(`${path}.mediaType`, `malformed media type ${JSON.stringify(mediaType.slice(0, 80))}`)
  }
  const digest = c.digest(o.digest, `${path}.digest`)
  if (typeof o.size !== 'number' || !Number.isSafeInteger(o.size) || o.size < 0) {
    c.fail(`${path}.size`, `want a non-negative integer, got ${kind(o.size)}`)
  }
  const d: Descriptor = { mediaType, digest, size: o.size }
  if (o.urls !== undefined) d.urls = c.strArray(o.urls, `${path}.urls`)
  const annotations = c.strMap(o.annotations, `${path}.annotations`)
  if (annotations) d.annotations = annotations
  if (o.data !== undefined) d.data = c.str(o.data, `${path}.data`)
  if (o.artifactType !== undefined) d.artifactType = c.str(o.artifactType, `${path}.artifactType`)
  if (o.platform !== undefined) d.platform = platform(c, o.platform, `${path}.platform`)
  return d
}

function platform(c: Invalid, v: unknown, path: string): Platform {
  const o = c.obj(v, path)
  const p: Platform = { architecture: c.str(o.architecture, `${path}.architecture`), os: c.str(o.os, `${path}.os`) }
  const variant = c.optStr(o.variant, `${path}.variant`)
  if (variant !== undefined) p.variant = variant
  const osVersion = c.optStr(o['os.version'], `${path}.os.version`)
  if (osVersion !== undefined) p['os.version'] = osVersion
  if (o['os.features'] !== undefined) p['os.features'] = c.strArray(o['os.features'], `${path}.os.features`)
  if (o.features !== undefined) p.features = c.strArray(o.features, `${path}.features`)
  return p
}

/** Common head of index and manifest: schema1 refusal, schemaVersion, mediaType vs descriptor. */
function documentHead(c: Invalid, v: unknown, descriptorMediaType: string | undefined): Obj {
  const o = c.obj(v, '(document)')
  if (o.schemaVersion === 1 || (typeof o.mediaType === 'string' && SCHEMA1_MEDIA_TYPES.includes(o.mediaType))) {
    throw new UnsupportedError(`${c.what}: docker schema1 manifests are not supported (convert with skopeo copy)`)
  }
  if (o.schemaVersion !== 2) c.fail('schemaVersion', `got ${kind(o.schemaVersion)}, want 2`)
  const mediaType = c.optStr(o.mediaType, 'mediaType')
  // CVE-2021-41190: a document must not be read as a different kind than its descriptor says.
  if (mediaType !== undefined && descriptorMediaType !== undefined && mediaType !== descriptorMediaType) {
    c.fail('mediaType', `got ${mediaType}, want ${descriptorMediaType} as the descriptor says`)
  }
  return o
}

export function validateIndex(v: unknown, what: string, descriptorMediaType?: string): ImageIndex {
  const c = new Invalid(what)
  const o = documentHead(c, v, descriptorMediaType)
  if (o.mediaType !== undefined && !INDEX_MEDIA_TYPES.includes(o.mediaType as string)) {
    c.fail('mediaType', `got ${o.mediaType as string}, want an image index media type`)
  }
  if (o.layers !== undefined || o.config !== undefined) c.fail('(document)', 'an index must not have layers or config')
  const manifests = c.array(o.manifests, 'manifests').map((d, i) => descriptor(c, d, `manifests[${i}]`))
  const index: ImageIndex = { schemaVersion: 2, manifests }
  if (o.mediaType !== undefined) index.mediaType = o.mediaType as string
  if (o.artifactType !== undefined) index.artifactType = c.str(o.artifactType, 'artifactType')
  if (o.subject !== undefined) index.subject = descriptor(c, o.subject, 'subject')
  const annotations = c.strMap(o.annotations, 'annotations')
  if (annotations) index.annotations = annotations
  return index
}

export function validateManifest(v: unknown, what: string, descriptorMediaType?: string): ImageManifest {
  const c = new Invalid(what)
  const o = documentHead(c, v, descriptorMediaType)
  if (o.mediaType !== undefined && !MANIFEST_MEDIA_TYPES.includes(o.mediaType as string)) {
    c.fail('mediaType', `got ${o.mediaType as string}, want an image manifest media type`)
  }
  if (o.manifests !== undefined) c.fail('(document)', 'a manifest must not have manifests')
  const config = descriptor(c, o.config, 'config')
  if (!CONFIG_MEDIA_TYPES.includes(config.mediaType)) {
    throw new UnsupportedError(`${what}: config.mediaType: ${config.mediaType} is not an image config (artifact?)`, {
      code: 'UNSUPPORTED_MEDIA_TYPE',
    })
  }
  const layers = c.array(o.layers, 'layers').map((d, i) => {
    const layer = descriptor(c, d, `layers[${i}]`)
    checkLayerMediaType(what, layer.mediaType, i)
    return layer
  })
  const manifest: ImageManifest = { schemaVersion: 2, config, layers }
  if (o.mediaType !== undefined) manifest.mediaType = o.mediaType as string
  if (o.artifactType !== undefined) manifest.artifactType = c.str(o.artifactType, 'artifactType')
  if (o.subject !== undefined) manifest.subject = descriptor(c, o.subject, 'subject')
  const annotations = c.strMap(o.annotations, 'annotations')
  if (annotations) manifest.annotations = annotations
  return manifest
}

function checkLayerMediaType(what: string, mediaType: string, i: number): void {
  let problem: string | null = null
  if (mediaType.includes(ENCRYPTED_SUFFIX)) problem = `encrypted layers are not supported`
  else if (!LAYER_MEDIA_TYPES.includes(mediaType)) problem = 'not a layer media type we can unpack'
  if (problem) {
    throw new UnsupportedError(`${what}: layers[${i}].mediaType: ${mediaType}: ${problem}`, { code: 'UNSUPPORTED_MEDIA_TYPE' })
  }
}

/** `layerCount` is len(manifest.layers): diff_ids must pair up with it one to one. */
export function validateConfig(v: unknown, what: string, layerCount: number): ImageConfig {
  const c = new Invalid(what)
  const o = c.obj(v, '(document)')
  const rootfsObj = c.obj(o.rootfs, 'rootfs')
  if (rootfsObj.type !== 'layers') c.fail('rootfs.type', `got ${kind(rootfsObj.type)}, want "layers"`)
  const diffIds = c.array(rootfsObj.diff_ids, 'rootfs.diff_ids').map((d, i) => c.digest(d, `rootfs.diff_ids[${i}]`))
  if (diffIds.length !== layerCount) {
    c.fail('rootfs.diff_ids', `got ${diffIds.length} entries, want ${layerCount} (one per manifest layer)`)
  }
  const config: ImageConfig = {
    architecture: c.str(o.architecture, 'architecture'),
    os: c.str(o.os, 'os'),
    rootfs: { type: 'layers', diff_ids: diffIds },
  }
  for (const key of ['created', 'author', 'variant', 'os.version'] as const) {
    const s = c.optStr(o[key], key)
    if (s !== undefined) config[key] = s
  }
  if (o['os.features'] !== undefined && o['os.features'] !== null) config['os.features'] = c.strArray(o['os.features'], 'os.features')
  if (o.config !== undefined && o.config !== null) config.config = containerConfig(c, o.config)
  if (o.history !== undefined && o.history !== null) {
    config.history = c.array(o.history, 'history').map((h, i) => historyEntry(c, h, `history[${i}]`))
  }
  return config
}

function containerConfig(c: Invalid, v: unknown): ContainerConfig {
  const o = c.obj(v, 'config')
  const out: ContainerConfig = {}
  for (const key of ['User', 'WorkingDir', 'StopSignal'] as const) {
    const s = c.optStr(o[key], `config.${key}`)
    if (s !== undefined) out[key] = s
  }
  const env = c.optStrArray(o.Env, 'config.Env')
  if (env) out.Env = env
  // Entrypoint/Cmd keep an explicit null: it means "reset", unlike an absent field.
  if (o.Entrypoint !== undefined) out.Entrypoint = o.Entrypoint === null ? null : c.strArray(o.Entrypoint, 'config.Entrypoint')
  if (o.Cmd !== undefined) out.Cmd = o.Cmd === null ? null : c.strArray(o.Cmd, 'config.Cmd')
  const labels = c.strMap(o.Labels, 'config.Labels')
  if (labels) out.Labels = labels
  const ports = c.optObj(o.ExposedPorts, 'config.ExposedPorts')
  if (ports) out.ExposedPorts = ports
  const volumes = c.optObj(o.Volumes, 'config.Volumes')
  if (volumes) out.Volumes = volumes
  if (typeof o.ArgsEscaped === 'boolean') out.ArgsEscaped = o.ArgsEscaped
  return out
}

function historyEntry(c: Invalid, v: unknown, path: string): HistoryEntry {
  const o = c.obj(v, path)
  const h: HistoryEntry = {}
  for (const key of ['created', 'created_by', 'author', 'comment'] as const) {
    const s = c.optStr(o[key], `${path}.${key}`)
    if (s !== undefined) h[key] = s
  }
  if (o.empty_layer !== undefined && o.empty_layer !== null) {
    if (typeof o.empty_layer !== 'boolean') c.fail(`${path}.empty_layer`, `want a boolean, got ${kind(o.empty_layer)}`)
    h.empty_layer = o.empty_layer
  }
  return h
}

function kind(v: unknown): string {
  if (v === undefined) return 'nothing'
  if (v === null) return 'null'
  if (Array.isArray(v)) return 'an array'
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}...` : v)
  if (typeof v === 'number' || typeof v === 'boolean') return String(v)
  return `a ${typeof v}`
}
