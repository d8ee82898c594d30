// CRC32C (Castagnoli, reflected polynomial 0x82F63B78) for the EROFS superblock checksum. EROFS seeds
// it with 0xFFFFFFFF and, unlike the usual CRC32C, applies no final xor (the kernel's crc32c() helper).

const POLY = 0x82f63b78

const TABLE = (() => {
  const t = new Uint32Array(256)
  for (let n = 0; n < 256; n++) {
    let c = n
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ POLY : c >>> 1
    t[n] = c >>> 0
  }
  return t
})()

/** Continues a CRC32C over `data` from `crc` (no pre- or post-inversion). */
export function crc32cUpdate(crc: number, data: Uint8Array): number {
  let c = crc >>> 0
  for (let i = 0; i < data.length; i++) c = TABLE[(c ^ data[i]!) & 0xff]! ^ (c >>> 8)
  return c >>> 0
}

/** The EROFS superblock checksum of `data` (seed ~0, no final xor). */
export function erofsSuperblockCrc(data: Uint8Array): number {
  return crc32cUpdate(0xffffffff, data)
}
