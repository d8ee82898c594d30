// The only contracts between image sources and the rest of bootc-live (after gcr pkg/v1 image.go,
// layer.go). A source implements the small BlobStore; blob-source.ts derives everything else, so
// selection, verification and decompression are written once.

import type { Descriptor, ImageConfig, ImageManifest, Platform } from './types.js'

export interface Layer {
  /** Position in the manifest, 0-based, and the number of layers (for "layer 2/3" messages). */
  readonly index: number
  readonly count: number
  readonly descriptor: Descriptor
  /** sha256 of the uncompressed tar, from config.rootfs.diff_ids. */
  readonly diffId: string
  /** A fresh compressed stream on every call; fails at the end unless size and digest match. */
  open(): AsyncIterable<Buffer>
  /**
   * A fresh uncompressed tar stream (compression detected from magic bytes, not the media type);
   * fails at the end unless the blob digest and the diffId of the decompressed bytes both match.
   */
  openUncompressed(): AsyncIterable<Buffer>
}

export interface Image {
  /** The label it was selected by, or its manifest digest. */
  readonly name: string
  readonly manifestDigest: string
  readonly manifest: ImageManifest
  readonly config: ImageConfig
  readonly layers: readonly Layer[]
}

/** One descriptor of the top-level index.json. */
export interface ImageEntry {
  /** org.opencontainers.image.ref.name, if any. */
  label: string | undefined
  mediaType: string
  digest: string
  size: number
  /** Platforms this entry offers (several for an image index); empty when unknown. */
  platforms: Platform[]
}

export interface OpenImageOptions {
  label?: string
  /** Default: the running machine's platform. */
  platform?: Platform
  /** Also match `x:latest` against `docker.io/library/x:latest` and the containerd name annotation. */
  normalizeLabel?: boolean
}

export interface ImageSource {
  listImages(): Promise<ImageEntry[]>
  openImage(opts?: OpenImageOptions): Promise<Image>
  close(): Promise<void>
}

/** Bytes of one stored blob, unverified: the caller checks them against a descriptor. */
export interface RawBlob {
  readonly size: number
  /** A fresh stream of the whole blob on every call. */
  read(): AsyncIterable<Buffer>
}

/** What each source kind implements (gcr partial's "core"). */
export interface BlobStore {
  /** For messages: "oci-archive:/tmp/x.tar". */
  readonly name: string
  /** The raw bytes of the top-level index.json (at most JSON_LIMIT_BYTES). */
  readIndexJson(): Promise<Uint8Array>
  /** `digest` is already validated. Throws NotFoundError with code MISSING_BLOB when absent. */
  openBlob(digest: string): Promise<RawBlob>
  close(): Promise<void>
}
