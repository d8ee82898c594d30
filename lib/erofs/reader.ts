// A small EROFS reader (uncompressed images: ours and mkfs.erofs's) for tests, `ls`/`cat` and dumps.
// It reads through a positional callback, so it works on files, buffers or ranges of something else.
// Any malformed input ends in a BootcLiveError (FormatError, UnsupportedError or NotFoundError).

import { Buffer } from 'node:buffer'
import { open, stat } from 'node:fs/promises'
import { BootcLiveError, FormatError, NotFoundError, UsageError, ioError } from '../errors.js'
import { Inode, Tree } from '../tree/node.js'
import { EROFS_FT_UNKNOWN, EROFS_INODE_FLAT_INLINE, EROFS_ISLOT_SIZE, decodeRdev, erofsInodeExtended } from './format.js'
import { FILE_TYPE_OF_KIND } from './file-types.js'
import {
  INODE_PROBE,
  SUPERBLOCK_READ,
  inodeVersionIsExtended,
  parseDirBlock,
  parseInode,
  parseSuperblock,
  peekBlockSize,
  parseXattrs,
  type RawDirent,
  type RawInode,
  type SuperInfo,
} from './reader-parse.js'

export type ReadAt = (pos: number, len: number) => Promise<Uint8Array>
export type { RawDirent as ErofsDirent, RawInode as ErofsStat, SuperInfo as ErofsSuperInfo } from './reader-parse.js'

const CHUNK_BYTES = 1 << 20
const MAX_DEPTH = 4096
const DIR_CACHE = 64

export class ErofsImage {
  private readonly cache = new Map<number, RawInode>()
  private readonly dirCache = new Map<number, RawDirent[]>()
  private constructor(
    private readonly readAt: ReadAt,
    readonly sb: SuperInfo,
  ) {}

  static async open(readAt: ReadAt): Promise<ErofsImage> {
    return guard(async () => {
      const head = await readExact(readAt, 0, SUPERBLOCK_READ)
      const size = Math.max(SUPERBLOCK_READ, peekBlockSize(head))
      return new ErofsImage(readAt, parseSuperblock(await readExact(readAt, 0, size)))
    })
  }

  /** nid of a path ("/" or "" is the root); symlinks are not followed. */
  lookup(path: string): Promise<number> {
    return guard(() => this.resolve(path))
  }

  stat(path: string): Promise<RawInode> {
    return guard(async () => this.inode(await this.resolve(path)))
  }

  /** Entries without "." and "..", in on-disk (byte) order. */
  readdir(path: string): Promise<RawDirent[]> {
    return guard(async () => (await this.entries(await this.inode(await this.resolve(path)))).filter(e => e.name !== '.' && e.name !== '..'))
  }

  readlink(path: string): Promise<string> {
    return guard(async () => {
      const i = await this.inode(await this.resolve(path))
      if (i.kind !== 'symlink') throw new FormatError(`erofs ${path}: not a symlink`)
      return Buffer.from(await this.data(i, 0, i.size)).toString('latin1')
    })
  }

  readFile(path: string): Promise<Uint8Array> {
    return guard(async () => {
      const i = await this.inode(await this.resolve(path))
      if (i.kind !== 'reg') throw new FormatError(`erofs ${path}: not a regular file`)
      return this.data(i, 0, i.size)
    })
  }

  /** A regular file's bytes in order, `chunkBytes` at a time. */
  async *readChunks(path: string, chunkBytes = CHUNK_BYTES): AsyncGenerator<Uint8Array> {
    const i = await this.stat(path)
    if (i.kind !== 'reg') throw new FormatError(`erofs ${path}: not a regular file`)
    for (let at = 0; at < i.size; at += chunkBytes) yield await guard(() => this.data(i, at, Math.min(chunkBytes, i.size - at)))
  }

  /** Byte range [at, at + len) of an inode's data. */
  readRange(i: RawInode, at: number, len: number): Promise<Uint8Array> {
    return guard(() => this.data(i, at, len))
  }

  /** All xattrs of a path, full names (byte strings) to values. */
  xattrs(path: string): Promise<Map<string, Uint8Array>> {
    return guard(async () => this.xattrsOf(await this.inode(await this.resolve(path))))
  }

  /** The whole image as a tree with contents in memory (for tests and small images). */
  readTree(): Promise<Tree> {
    return guard(async () => {
      const root = await this.inode(this.sb.rootNid)
      if (root.kind !== 'dir') throw new FormatError('erofs root: not a directory')
      const tree = new Tree(await this.toNode(root))
      const byNid = new Map<number, Inode>([[root.nid, tree.root]])
      const stack: Array<[RawInode, Inode, number]> = [[root, tree.root, 0]]
      while (stack.length > 0) {
        const [dirRaw, dirNode, depth] = stack.pop()!
        if (depth > MAX_DEPTH) throw new FormatError('erofs: directory tree deeper than 4096 levels')
        for (const e of await this.entries(dirRaw)) {
          if (e.name === '.' || e.name === '..') continue
          let child = byNid.get(e.nid)
          const raw = await this.inode(e.nid)
          if (child && raw.kind === 'dir') throw new FormatError(`erofs directory ${e.nid}: reachable twice`)
          if (!child) {
            child = await this.toNode(raw)
            byNid.set(e.nid, child)
            if (raw.kind === 'dir') stack.push([raw, child, depth + 1])
          }
          dirNode.children!.set(e.name, child)
        }
      }
      return tree
    })
  }

  private async toNode(i: RawInode): Promise<Inode> {
    const n = new Inode(i.kind, i.mode)
    Object.assign(n, { uid: i.uid, gid: i.gid, mtimeSec: i.mtimeSec, mtimeNsec: i.mtimeNsec })
    const x = await this.xattrsOf(i)
    if (x.size > 0) n.xattrs = x
    if (i.kind === 'reg') n.content = { kind: 'bytes', data: await this.data(i, 0, i.size) }
    if (i.kind === 'symlink') n.target = Buffer.from(await this.data(i, 0, i.size)).toString('latin1')
    if (i.kind === 'chr' || i.kind === 'blk') Object.assign(n, { rdevMajor: decodeRdev(i.iu).major, rdevMinor: decodeRdev(i.iu).minor })
    return n
  }

  private async resolve(path: string): Promise<number> {
    let nid = this.sb.rootNid
    for (const part of path.split('/').filter(p => p !== '')) {
      const dir = await this.inode(nid)
      if (dir.kind !== 'dir') throw new NotFoundError(`erofs ${path}: ${part}: parent is not a directory`)
      const hit = findEntry(await this.entries(dir), part)
      if (!hit) throw new NotFoundError(`erofs ${path}: no such file`)
      nid = hit.nid
    }
    return nid
  }

  private async inode(nid: number): Promise<RawInode> {
    const cached = this.cache.get(nid)
    if (cached) return cached
    const pos = this.sb.metaBlkaddr * this.sb.blockSize + nid * EROFS_ISLOT_SIZE
    let buf = await this.read(pos, INODE_PROBE, `inode ${nid}`)
    if (inodeVersionIsExtended(buf)) buf = await this.read(pos, erofsInodeExtended.size, `inode ${nid}`)
    const inode = parseInode(this.sb, nid, pos, buf)
    this.cache.set(nid, inode)
    return inode
  }

  /** A directory's entries, checked (order, names, file types); the most recent directories are cached. */
  private async entries(dir: RawInode): Promise<RawDirent[]> {
    const cached = this.dirCache.get(dir.nid)
    if (cached) return cached
    const out = await this.readEntries(dir)
    if (this.dirCache.size >= DIR_CACHE) this.dirCache.delete(this.dirCache.keys().next().value!)
    this.dirCache.set(dir.nid, out)
    return out
  }

  private async readEntries(dir: RawInode): Promise<RawDirent[]> {
    if (dir.kind !== 'dir') throw new FormatError(`erofs inode ${dir.nid}: not a directory`)
    const out: RawDirent[] = []
    for (let at = 0; at < dir.size; at += this.sb.blockSize) {
      const block = await this.data(dir, at, Math.min(this.sb.blockSize, dir.size - at))
      for (const e of parseDirBlock(dir.nid, block)) {
        const prev = out[out.length - 1]
        if (prev && !(prev.name < e.name)) throw new FormatError(`erofs directory ${dir.nid}: entries out of order at ${JSON.stringify(e.name)}`)
        if (e.name !== '.' && e.name !== '..' && e.fileType !== EROFS_FT_UNKNOWN) {
          const kind = (await this.inode(e.nid)).kind
          if (FILE_TYPE_OF_KIND[kind] !== e.fileType) throw new FormatError(`erofs directory ${dir.nid}: ${JSON.stringify(e.name)}: file type ${e.fileType} but inode is ${kind}`)
        }
        out.push(e)
      }
    }
    return out
  }

  private async xattrsOf(i: RawInode): Promise<Map<string, Uint8Array>> {
    const area = await this.read(i.xattrPos, i.xattrSize, `inode ${i.nid} xattrs`)
    const base = this.sb.xattrBlkaddr * this.sb.blockSize
    // a shared entry is at most 4 + 255 + 65535 bytes; read what the image has up to that
    const image = this.sb.blocks * this.sb.blockSize
    return parseXattrs(i.nid, area, id => this.read(base + id * 4, Math.min(4 + 255 + 0xffff, image - (base + id * 4)), `shared xattr ${id}`))
  }

  private async data(i: RawInode, at: number, len: number): Promise<Uint8Array> {
    if (at < 0 || len < 0 || at + len > i.size) throw new FormatError(`erofs inode ${i.nid}: read ${at}+${len} past size ${i.size}`)
    const full = i.layout === EROFS_INODE_FLAT_INLINE ? Math.floor(i.size / this.sb.blockSize) * this.sb.blockSize : i.size
    const out = new Uint8Array(len)
    const inBlocks = Math.max(0, Math.min(len, full - at))
    if (inBlocks > 0) out.set(await this.read(i.iu * this.sb.blockSize + at, inBlocks, `inode ${i.nid} data`), 0)
    if (inBlocks < len) out.set(await this.read(i.tailPos + (at + inBlocks - full), len - inBlocks, `inode ${i.nid} tail`), inBlocks)
    return out
  }

  private read(pos: number, len: number, what: string): Promise<Uint8Array> {
    if (pos < 0 || len < 0 || pos + len > this.sb.blocks * this.sb.blockSize) {
      throw new FormatError(`erofs ${what}: bytes ${pos}..${pos + len} outside the image of ${this.sb.blocks} blocks`)
    }
    return readExact(this.readAt, pos, len)
  }
}

/** Opens an image through a positional read callback. */
export function openErofs(readAt: ReadAt): Promise<ErofsImage> {
  return ErofsImage.open(readAt)
}

/** Opens an image file; call close() when done. */
export async function openErofsFile(path: string): Promise<ErofsImage & { close(): Promise<void> }> {
  // Opening a fifo would wait for a writer; an image is read by position (a file or a block device).
  if ((await stat(path)).isFIFO()) throw new UsageError(`${path}: is a fifo, not an EROFS image`)
  const fh = await open(path, 'r')
  try {
    const img = await openErofs(async (pos, len) => {
      const buf = Buffer.alloc(len)
      let done = 0
      while (done < len) {
        const { bytesRead } = await fh.read(buf, done, len - done, pos + done).catch(err => {
          throw ioError(path, err)
        })
        if (bytesRead === 0) break
        done += bytesRead
      }
      return buf.subarray(0, done)
    })
    return Object.assign(img, { close: () => fh.close() })
  } catch (err) {
    await fh.close()
    throw err
  }
}

/** Binary search: entries are in byte order (checked when read). */
function findEntry(entries: readonly RawDirent[], name: string): RawDirent | undefined {
  let lo = 0
  let hi = entries.length - 1
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1
    const e = entries[mid]!
    if (e.name === name) return e
    if (e.name < name) lo = mid + 1
    else hi = mid - 1
  }
  return undefined
}

async function readExact(readAt: ReadAt, pos: number, len: number): Promise<Uint8Array> {
  const got = await readAt(pos, len)
  if (got.length !== len) throw new FormatError(`erofs image: truncated: got ${got.length} bytes at ${pos}, want ${len}`)
  return got
}

/** Parser slips (RangeError from a decoder, TypeError) become FormatError; library errors pass. */
async function guard<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn()
  } catch (err) {
    if (err instanceof BootcLiveError) throw err
    if (err instanceof RangeError || err instanceof TypeError) throw new FormatError(`erofs image: malformed: ${err.message}`, { cause: err })
    throw err
  }
}
