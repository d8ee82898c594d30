// Media types and document shapes from opencontainers/image-spec 1.1 (descriptor.md, image-index.md,
// manifest.md, config.md), plus the docker v2 schema2 equivalents that skopeo/podman still write.
// Values arriving from disk or the network only get these types through validate.ts.

export const MediaType = {
  OCI_INDEX: 'application/vnd.oci.image.index.v1+json',
  OCI_MANIFEST: 'application/vnd.oci.image.manifest.v1+json',
  OCI_CONFIG: 'application/vnd.oci.image.config.v1+json',
  OCI_LAYER: 'application/vnd.oci.image.layer.v1.tar',
  OCI_LAYER_GZIP: 'application/vnd.oci.image.layer.v1.tar+gzip',
  OCI_LAYER_ZSTD: 'application/vnd.oci.image.layer.v1.tar+zstd',
  OCI_LAYER_ND: 'application/vnd.oci.image.layer.nondistributable.v1.tar',
  OCI_LAYER_ND_GZIP: 'application/vnd.oci.image.layer.nondistributable.v1.tar+gzip',
  OCI_LAYER_ND_ZSTD: 'application/vnd.oci.image.layer.nondistributable.v1.tar+zstd',
  OCI_EMPTY: 'application/vnd.oci.empty.v1+json',
  DOCKER_MANIFEST_LIST: 'application/vnd.docker.distribution.manifest.list.v2+json',
  DOCKER_MANIFEST: 'application/vnd.docker.distribution.manifest.v2+json',
  DOCKER_CONFIG: 'application/vnd.docker.container.image.v1+json',
  DOCKER_LAYER: 'application/vnd.docker.image.rootfs.diff.tar',
  DOCKER_LAYER_GZIP: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
  DOCKER_LAYER_ND_GZIP: 'application/vnd.docker.image.rootfs.foreign.diff.tar.gzip',
  /** Schema1 manifests: recognised only to be refused with a clear message. */
  DOCKER_SCHEMA1: 'application/vnd.docker.distribution.manifest.v1+json',
  DOCKER_SCHEMA1_SIGNED: 'application/vnd.docker.distribution.manifest.v1+prettyjws',
} as const

export type MediaTypeValue = (typeof MediaType)[keyof typeof MediaType]

export const INDEX_MEDIA_TYPES: readonly string[] = [MediaType.OCI_INDEX, MediaType.DOCKER_MANIFEST_LIST]
export const MANIFEST_MEDIA_TYPES: readonly string[] = [MediaType.OCI_MANIFEST, MediaType.DOCKER_MANIFEST]
export const CONFIG_MEDIA_TYPES: readonly string[] = [MediaType.OCI_CONFIG, MediaType.DOCKER_CONFIG]
export const SCHEMA1_MEDIA_TYPES: readonly string[] = [MediaType.DOCKER_SCHEMA1, MediaType.DOCKER_SCHEMA1_SIGNED]
export const LAYER_MEDIA_TYPES: readonly string[] = [
  MediaType.OCI_LAYER, MediaType.OCI_LAYER_GZIP, MediaType.OCI_LAYER_ZSTD,
  MediaType.OCI_LAYER_ND, MediaType.OCI_LAYER_ND_GZIP, MediaType.OCI_LAYER_ND_ZSTD,
  MediaType.DOCKER_LAYER, MediaType.DOCKER_LAYER_GZIP, MediaType.DOCKER_LAYER_ND_GZIP,
]
/** ocicrypt suffix ("+encrypted", also after "+gzip"/"+zstd"): we cannot decrypt, so we refuse. */
export const ENCRYPTED_SUFFIX = '+encrypted'

/** Annotation keys we read (annotations.md; containerd's image name). */
export const Annotation = {
  REF_NAME: 'org.opencontainers.image.ref.name',
  CONTAINERD_IMAGE_NAME: 'io.containerd.image.name',
} as const

export interface Platform {
  architecture: string
  os: string
  'os.version'?: string
  'os.features'?: string[]
  variant?: string
  features?: string[]
}

export interface Descriptor {
  mediaType: string
  digest: string
  size: number
  urls?: string[]
  annotations?: Record<string, string>
  data?: string
  artifactType?: string
  /** Only meaningful on index entries. */
  platform?: Platform
}

export interface ImageIndex {
  schemaVersion: 2
  mediaType?: string
  artifactType?: string
  manifests: Descriptor[]
  subject?: Descriptor
  annotations?: Record<string, string>
}

export interface ImageManifest {
  schemaVersion: 2
  mediaType?: string
  artifactType?: string
  config: Descriptor
  layers: Descriptor[]
  subject?: Descriptor
  annotations?: Record<string, string>
}

/** config.md "config" object: execution parameters (docker's keys are capitalised). */
export interface ContainerConfig {
  User?: string
  ExposedPorts?: Record<string, object>
  Env?: string[]
  Entrypoint?: string[] | null
  Cmd?: string[] | null
  Volumes?: Record<string, object>
  WorkingDir?: string
  Labels?: Record<string, string>
  StopSignal?: string
  ArgsEscaped?: boolean
}

export interface HistoryEntry {
  created?: string
  created_by?: string
  author?: string
  comment?: string
  empty_layer?: boolean
}

export interface ImageConfig {
  created?: string
  author?: string
  architecture: string
  os: string
  'os.version'?: string
  'os.features'?: string[]
  variant?: string
  config?: ContainerConfig
  rootfs: { type: 'layers'; diff_ids: string[] }
  history?: HistoryEntry[]
}
