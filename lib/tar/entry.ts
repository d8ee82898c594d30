// What the tar reader yields: one logical entry after GNU long-name and PAX records are applied.
// Names are byte strings (one char per byte, see tree/node.ts) exactly as stored, not cleaned:
// containment is the tree's job.

export type TarEntryType = 'file' | 'hardlink' | 'symlink' | 'chr' | 'blk' | 'dir' | 'fifo'

export interface TarEntry {
  /** Path as stored (after PAX `path` / GNU 'L' / ustar prefix), byte string, not normalised. */
  path: string
  type: TarEntryType
  /** Permission and special bits (mode & 0o7777). */
  mode: number
  uid: number
  gid: number
  mtimeSec: number
  mtimeNsec: number
  /** Bytes of data that follow the header (0 for everything but 'file'). */
  size: number
  /** Hardlink or symlink target (after PAX `linkpath` / GNU 'K'), byte string; '' otherwise. */
  linkpath: string
  devmajor: number
  devminor: number
  /** From PAX SCHILY.xattr.NAME (and LIBARCHIVE.xattr.NAME) records: name byte string -> raw bytes. */
  xattrs: Map<string, Uint8Array> | null
  /** Offset of the first data byte in the (uncompressed) tar stream. */
  dataOffset: number
}
