// The public API of bootc-live. Data flows one way: source -> layers -> tree -> writer.

export * from './errors.js'
export type { ProgressEvent, ProgressListener } from './progress.js'

// Sources and images
export { openSource, type OpenSourceOptions, type OpenedSource } from './source/open.js'
export { pullToArchive, type PullOptions, type PullResult } from './source/registry/pull.js'
export { downloadToFile, type DownloadOptions } from './source/http.js'
export type { Image, ImageEntry, ImageSource, Layer, OpenImageOptions, BlobStore, RawBlob } from './oci/image.js'
export { BlobImageSource } from './oci/blob-source.js'
export type { Descriptor, ImageConfig, ImageIndex, ImageManifest, Platform } from './oci/types.js'
export { MediaType } from './oci/types.js'
export { currentPlatform, formatPlatform, parsePlatform } from './oci/platform.js'

// Whole jobs
export { treeFromImage, type ScanOptions } from './pipeline/scan.js'
export { unpackImage, contentReaderFor, type UnpackOptions } from './pipeline/unpack.js'
export { erofsFromImage, erofsDigestOfImage, type BuildOptions, type ErofsResult } from './pipeline/erofs.js'
export { erofsFromDir, erofsDigestOfDir } from './pipeline/erofs-dir.js'
export { LayerContentReader } from './pipeline/layer-content.js'
export { onInterrupt, runInterruptCleanups } from './fs/interrupt.js'

// The tree model and its readers and writers
export { Inode, Tree, EMPTY_CONTENT, walk, linkCounts, sortedChildren, nameToBytes, bytesToName, type Content, type Kind } from './tree/node.js'
export { BasicContentReader, type ContentReader, type Deliver } from './tree/content.js'
export { LayerApplier, applyLayer } from './tree/apply.js'
export { treeFromDir } from './tree/from-dir.js'
export { writeTreeToDir, type WriteDirOptions } from './tree/to-dir.js'
export { listTree, listDir, diffListings, type ListingOptions } from './tree/listing.js'

// Formats
export { TarParser, tarEntries, type TarHandler } from './tar/parser.js'
export { indexTar } from './tar/index-file.js'
export type { TarEntry, TarEntryType } from './tar/entry.js'
export { writeErofs, digestErofs, type ErofsOptions } from './erofs/mkfs.js'
export { openErofs, openErofsFile, ErofsImage } from './erofs/reader.js'

// Kernel command line of a live boot
export { parseLiveConfig, toShell, type LiveConfig } from './cmdline/live-config.js'
