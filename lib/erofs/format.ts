// The EROFS on-disk format: the only place that knows offsets and magic numbers. Field names follow the
// kernel's fs/erofs/erofs_fs.h (6.1 layout: a 128-byte superblock). Little-endian throughout.

import { defineStruct } from '../binary/struct.js'

/** Bytes before the superblock stay zero (room for boot sectors). */
export const EROFS_SUPER_OFFSET = 1024
/** Superblock magic (EROFS_SUPER_MAGIC_V1). */
export const EROFS_SUPER_MAGIC_V1 = 0xe0f5e1e2
/** log2 of the block size we write; erofs-utils 1.5 and kernels before 6.4 accept only 4096. */
export const EROFS_BLKSZBITS = 12
export const EROFS_BLKSIZ = 1 << EROFS_BLKSZBITS
/** Inodes sit on 32-byte slots: inode address = meta_blkaddr * block size + nid * 32. */
export const EROFS_ISLOTBITS = 5
export const EROFS_ISLOT_SIZE = 1 << EROFS_ISLOTBITS
/** Maximum name length in a directory. */
export const EROFS_NAME_LEN = 255
/** i_u value for "no data block" (EROFS_NULL_ADDR). */
export const EROFS_NULL_ADDR = 0xffffffff

/** feature_compat: the superblock carries a crc32c over its block from offset 1024. */
export const EROFS_FEATURE_COMPAT_SB_CHKSUM = 0x1
/** feature_compat: mtime-related marker written by erofs-utils (read only, never written by us). */
export const EROFS_FEATURE_COMPAT_MTIME = 0x2
/** feature_compat: xattr name bloom filter (6.6+); we never write it. */
export const EROFS_FEATURE_COMPAT_XATTR_FILTER = 0x4

/** feature_incompat bits (a kernel refuses an image with bits it does not know). */
export const EROFS_FEATURE_INCOMPAT_ZERO_PADDING = 0x1 // lz4 0-padding; irrelevant to plain data
export const EROFS_FEATURE_INCOMPAT_COMPR_CFGS = 0x2 // compression configs (also BIG_PCLUSTER)
export const EROFS_FEATURE_INCOMPAT_CHUNKED_FILE = 0x4 // chunk-based files
export const EROFS_FEATURE_INCOMPAT_DEVICE_TABLE = 0x8 // extra devices (also COMPR_HEAD2)
export const EROFS_FEATURE_INCOMPAT_ZTAILPACKING = 0x10 // compressed inline tails
export const EROFS_FEATURE_INCOMPAT_FRAGMENTS = 0x20 // packed fragments (also DEDUPE)
export const EROFS_FEATURE_INCOMPAT_XATTR_PREFIXES = 0x40 // long xattr name prefixes (6.4)
export const EROFS_FEATURE_INCOMPAT_48BIT = 0x80 // 48-bit block addresses (6.15)
/** The incompat bits the reader accepts: only lz4 zero padding, which changes nothing for plain data. */
export const READER_INCOMPAT_OK = EROFS_FEATURE_INCOMPAT_ZERO_PADDING
/** All incompat bits known to exist; others are reported as a format error. */
export const EROFS_ALL_FEATURE_INCOMPAT = 0xff

/** i_format bit 0: 0 = compact 32-byte inode, 1 = extended 64-byte inode. */
export const EROFS_INODE_LAYOUT_COMPACT = 0
export const EROFS_INODE_LAYOUT_EXTENDED = 1
export const EROFS_I_VERSION_MASK = 0x1
/** i_format bits 1..3: data layout. */
export const EROFS_I_DATALAYOUT_BIT = 1
export const EROFS_I_DATALAYOUT_MASK = 0x7
export const EROFS_INODE_FLAT_PLAIN = 0 // data in contiguous blocks from i_u
export const EROFS_INODE_COMPRESSED_FULL = 1 // compressed, full indexes (not written)
export const EROFS_INODE_FLAT_INLINE = 2 // full blocks from i_u, tail right after the inode and xattrs
export const EROFS_INODE_COMPRESSED_COMPACT = 3 // compressed, compact indexes (not written)
export const EROFS_INODE_CHUNK_BASED = 4 // chunk index array (not written; pre-6.15 kernels refuse)
/** Bits of i_format a 6.1 kernel knows (EROFS_I_ALL). */
export const EROFS_I_ALL = 0xf

/** Dirent file_type values (the generic FT_* numbers). */
export const EROFS_FT_UNKNOWN = 0
export const EROFS_FT_REG_FILE = 1
export const EROFS_FT_DIR = 2
export const EROFS_FT_CHRDEV = 3
export const EROFS_FT_BLKDEV = 4
export const EROFS_FT_FIFO = 5
export const EROFS_FT_SOCK = 6
export const EROFS_FT_SYMLINK = 7

/** Xattr name indexes: the prefix is stored as a number, the entry keeps only the suffix. */
export const EROFS_XATTR_INDEX_USER = 1 // "user."
export const EROFS_XATTR_INDEX_POSIX_ACL_ACCESS = 2 // "system.posix_acl_access", empty suffix
export const EROFS_XATTR_INDEX_POSIX_ACL_DEFAULT = 3 // "system.posix_acl_default", empty suffix
export const EROFS_XATTR_INDEX_TRUSTED = 4 // "trusted."
export const EROFS_XATTR_INDEX_LUSTRE = 5 // "lustre." (read only)
export const EROFS_XATTR_INDEX_SECURITY = 6 // "security."
/** Prefix for each name index, longest first so the ACL names win over nothing else. */
export const XATTR_PREFIXES: ReadonlyArray<readonly [number, string]> = [
  [EROFS_XATTR_INDEX_POSIX_ACL_DEFAULT, 'system.posix_acl_default'],
  [EROFS_XATTR_INDEX_POSIX_ACL_ACCESS, 'system.posix_acl_access'],
  [EROFS_XATTR_INDEX_SECURITY, 'security.'],
  [EROFS_XATTR_INDEX_TRUSTED, 'trusted.'],
  [EROFS_XATTR_INDEX_LUSTRE, 'lustre.'],
  [EROFS_XATTR_INDEX_USER, 'user.'],
]
/** Xattr entries are padded to 4 bytes (EROFS_XATTR_ALIGN); shared ids count 4-byte units. */
export const EROFS_XATTR_ALIGN = 4

/** File type bits of i_mode (POSIX S_IFMT). */
export const S_IFMT = 0o170000
export const S_IFSOCK = 0o140000
export const S_IFLNK = 0o120000
export const S_IFREG = 0o100000
export const S_IFBLK = 0o060000
export const S_IFDIR = 0o040000
export const S_IFCHR = 0o020000
export const S_IFIFO = 0o010000

export const erofsSuperBlock = defineStruct('erofs_super_block', 128, [
  ['magic', 4, 'u32le'], // EROFS_SUPER_MAGIC_V1
  ['checksum', 4, 'u32le'], // crc32c of the block from offset 1024, this field zeroed
  ['feature_compat', 4, 'u32le'],
  ['blkszbits', 1, 'u8'], // block size = 1 << blkszbits
  ['sb_extslots', 1, 'u8'], // superblock size = 128 + sb_extslots * 16
  ['root_nid', 2, 'u16le'], // nid of the root directory
  //
  ['inos', 8, 'u64le'], // number of inodes
  ['build_time', 8, 'u64le'], // seconds: the mtime of compact inodes (plus their i_reserved since 6.15)
  //
  ['build_time_nsec', 4, 'u32le'],
  ['blocks', 4, 'u32le'], // image size in blocks
  ['meta_blkaddr', 4, 'u32le'], // block of nid 0
  ['xattr_blkaddr', 4, 'u32le'], // block of shared xattr id 0
  //
  ['uuid', 16, 'bytes'],
  //
  ['volume_name', 16, 'bytes'], // NUL-terminated, at most 15 bytes of name
  //
  ['feature_incompat', 4, 'u32le'],
  ['available_compr_algs', 2, 'u16le'], // or lz4_max_distance; 0 uncompressed
  ['extra_devices', 2, 'u16le'],
  ['devt_slotoff', 2, 'u16le'],
  ['dirblkbits', 1, 'u8'], // must be 0: directory blocks are filesystem blocks
  ['xattr_prefix_count', 1, 'u8'],
  ['xattr_prefix_start', 4, 'u32le'],
  ['packed_nid', 8, 'u64le'],
  //
  ['reserved2', 24, 'bytes'], // xattr_filter_reserved and reserved: zero
])

export const erofsInodeCompact = defineStruct('erofs_inode_compact', 32, [
  ['i_format', 2, 'u16le'], // bit 0 version, bits 1..3 data layout
  ['i_xattr_icount', 2, 'u16le'], // 0, or xattr area = 12 + 4 * (icount - 1) bytes
  ['i_mode', 2, 'u16le'],
  ['i_nlink', 2, 'u16le'],
  ['i_size', 4, 'u32le'],
  ['i_reserved', 4, 'u32le'], // 0; since 6.15 the mtime in seconds after build_time
  ['i_u', 4, 'u32le'], // first data block, or rdev for devices
  ['i_ino', 4, 'u32le'], // reported only to 32-bit stat
  ['i_uid', 2, 'u16le'],
  ['i_gid', 2, 'u16le'],
  ['i_reserved2', 4, 'u32le'],
])

export const erofsInodeExtended = defineStruct('erofs_inode_extended', 64, [
  ['i_format', 2, 'u16le'],
  ['i_xattr_icount', 2, 'u16le'],
  ['i_mode', 2, 'u16le'],
  ['i_reserved', 2, 'u16le'],
  ['i_size', 8, 'u64le'],
  //
  ['i_u', 4, 'u32le'],
  ['i_ino', 4, 'u32le'],
  ['i_uid', 4, 'u32le'],
  ['i_gid', 4, 'u32le'],
  //
  ['i_mtime', 8, 'u64le'], // seconds since the epoch
  ['i_mtime_nsec', 4, 'u32le'],
  ['i_nlink', 4, 'u32le'],
  //
  ['i_reserved2', 16, 'bytes'],
])

export const erofsDirent = defineStruct('erofs_dirent', 12, [
  ['nid', 8, 'u64le'], // inode slot of the entry
  ['nameoff', 2, 'u16le'], // offset of the name in the block; the first one gives the entry count
  ['file_type', 1, 'u8'], // EROFS_FT_*
  ['reserved', 1, 'u8'],
])

export const erofsXattrIbodyHeader = defineStruct('erofs_xattr_ibody_header', 12, [
  ['h_name_filter', 4, 'u32le'], // bloom filter; 0 = "maybe present" for every name
  ['h_shared_count', 1, 'u8'], // number of u32 shared xattr ids that follow
  ['h_reserved2', 7, 'bytes'],
])

export const erofsXattrEntry = defineStruct('erofs_xattr_entry', 4, [
  ['e_name_len', 1, 'u8'], // suffix length; the suffix and the value follow, padded to 4
  ['e_name_index', 1, 'u8'], // EROFS_XATTR_INDEX_*
  ['e_value_size', 2, 'u16le'],
])

/** Shared xattr ids are u32 (h_shared_xattrs[]). */
export const EROFS_SHARED_XATTR_ID_SIZE = 4

/** Size of the xattr area for an i_xattr_icount (erofs_xattr_ibody_size). */
export function xattrIbodySize(icount: number): number {
  return icount === 0 ? 0 : erofsXattrIbodyHeader.size + 4 * (icount - 1)
}

/** Linux device number encoding in i_u (new_encode_dev). */
export function encodeRdev(major: number, minor: number): number {
  return ((minor & 0xff) | (major << 8) | ((minor & ~0xff) << 12)) >>> 0
}

export function decodeRdev(rdev: number): { major: number; minor: number } {
  return { major: (rdev & 0xfff00) >>> 8, minor: (rdev & 0xff) | ((rdev >>> 12) & 0xfff00) }
}
