// Compression detected from magic bytes: media types lie (gcr compression.PeekCompression).

export type Compression = 'gzip' | 'zstd' | 'none'

/** Bytes needed to decide. */
export const SNIFF_BYTES = 4

const GZIP_MAGIC = [0x1f, 0x8b]
// RFC 8878: frame magic 0xFD2FB528 and skippable frames 0x184D2A50..0x184D2A5F, little-endian.
const ZSTD_MAGIC = [0x28, 0xb5, 0x2f, 0xfd]
const ZSTD_SKIPPABLE_TAIL = [0x2a, 0x4d, 0x18]

/** Decides from the first bytes of a stream; fewer than SNIFF_BYTES bytes are only gzip or none. */
export function sniffCompression(head: Uint8Array): Compression {
  if (startsWith(head, GZIP_MAGIC)) return 'gzip'
  if (startsWith(head, ZSTD_MAGIC)) return 'zstd'
  if (head.length >= 4 && (head[0]! & 0xf0) === 0x50 && startsWith(head.subarray(1), ZSTD_SKIPPABLE_TAIL)) return 'zstd'
  return 'none'
}

function startsWith(b: Uint8Array, magic: readonly number[]): boolean {
  return b.length >= magic.length && magic.every((m, i) => b[i] === m)
}
