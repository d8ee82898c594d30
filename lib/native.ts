// Typed access to the native helper (native/*.c): the syscalls Node's fs lacks, and
// the directory scan and file copy that make `mkfs DIR` fast. It is loaded on first use, so code
// that never touches xattrs, device nodes or mkfs works without it.

import { constants } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { getSystemErrorName } from 'node:util'
import { BootcLiveError, SizeMismatchError } from './errors.js'
import { packageRoot } from './package-root.js'

/** A native tree scan in progress (an opaque handle). */
type TreeScan = { readonly __brand: 'TreeScan' }

interface Addon {
  lsetxattr(path: Buffer, name: Buffer, value: Uint8Array): void
  mknod(path: Buffer, mode: number, major: number, minor: number): void
  lutimes(path: Buffer, sec: number, nsec: number): void
  treeScanStart(root: Buffer): TreeScan
  treeScanNext(scan: TreeScan): Array<[Float64Array, Buffer]> | null
  treeScanClose(scan: TreeScan): void
  lstatEntry(path: Buffer): [Float64Array, Buffer]
  copyFiles(out: number | Buffer, paths: readonly Buffer[], spans: Float64Array): Promise<void>
  readonly entryFields: readonly string[]
}

/** The numbers of one scanned entry, in the addon's order (checked against `entryFields` at load). */
const ENTRY_FIELDS = [
  'mode', 'uid', 'gid', 'size', 'nlink', 'mtimeSec', 'mtimeNsec', 'rdevMajor', 'rdevMinor',
  'pathOff', 'pathLen', 'nameLen', 'linkIdOff', 'linkIdLen', 'targetOff', 'targetLen', 'xattrOff', 'xattrCount',
] as const
const F = Object.fromEntries(ENTRY_FIELDS.map((name, i) => [name, i])) as Record<(typeof ENTRY_FIELDS)[number], number>

const ADDON = 'build/Release/bootc_live_native.node'
let addon: Addon | undefined

function load(): Addon {
  if (addon) return addon
  let root = '(no package root)'
  try {
    root = packageRoot()
    addon = createRequire(join(root, 'package.json'))(join(root, ADDON)) as Addon
  } catch (cause) {
    throw new BootcLiveError('UNSUPPORTED', `native helper not built: run npm ci (${join(root, ADDON)})`, { cause })
  }
  if (addon.entryFields.join() !== ENTRY_FIELDS.join()) {
    addon = undefined
    throw new BootcLiveError('UNSUPPORTED', `native helper out of date: run npm ci (${join(root, ADDON)})`)
  }
  return addon
}

type PathArg = string | Buffer

function toBuffer(p: PathArg): Buffer {
  return typeof p === 'string' ? Buffer.from(p) : p
}

type AddonError = Error & { errno?: number; syscall?: string; path?: Buffer }

/** Runs one addon call, turning its `{errno, syscall}` error into a Node-style fs error with `code` and `path`. */
function call<T>(path: PathArg, fn: (a: Addon) => T): T {
  const a = load()
  try {
    return fn(a)
  } catch (err) {
    throw fsError(err, path)
  }
}

/** The addon's `{errno, syscall[, path]}` error as Node's fs would report it; other errors unchanged. */
function fsError(err: unknown, path: PathArg): unknown {
  const e = err as AddonError
  if (typeof e.errno !== 'number' || typeof e.syscall !== 'string') return err
  const code = getSystemErrorName(-e.errno)
  const where = e.path ?? path // the entry it failed on, when that is not the argument
  const shown = typeof where === 'string' ? where : where.toString()
  const out = new Error(`${code}: ${e.message.toLowerCase()}, ${e.syscall} '${shown}'`) as NodeJS.ErrnoException
  Object.assign(out, { errno: -e.errno, code, syscall: e.syscall, path: shown })
  return out
}

export function lsetxattr(path: PathArg, name: string | Buffer, value: Uint8Array): void {
  call(path, a => a.lsetxattr(toBuffer(path), nameBuffer(name), value))
}

/** `mode` includes the file type (S_IFCHR, S_IFBLK, S_IFIFO or S_IFSOCK). */
export function mknod(path: PathArg, mode: number, major: number, minor: number): void {
  call(path, a => a.mknod(toBuffer(path), mode, major, minor))
}

/** Sets atime and mtime to exactly sec.nsec, without following a final symlink (fs.lutimes rounds). */
export function lutimes(path: PathArg, sec: number, nsec: number): void {
  call(path, a => a.lutimes(toBuffer(path), sec, nsec))
}

/**
 * One directory entry as lstat(2) sees it (symlinks are never followed), with its xattrs and target.
 * Names and targets are byte strings (each char one byte, as in the tree model): raw bytes, and
 * cheaper to make than a Buffer and a string.
 */
export interface ScannedEntry {
  /** The entry's full path (the directory's, a slash, the name), raw bytes. */
  readonly path: Buffer
  /** The last component of `path`; empty for lstatEntry. */
  readonly name: string
  /** st_mode, file type included. */
  readonly mode: number
  readonly uid: number
  readonly gid: number
  readonly size: number
  readonly nlink: number
  readonly mtimeSec: number
  /** 0 to 999999999, also before 1970 (mtimeSec is then the floor). */
  readonly mtimeNsec: number
  readonly rdevMajor: number
  readonly rdevMinor: number
  /** "dev:ino" for a non-directory with more than one link (one that may share its inode), else null. */
  readonly linkId: string | null
  /** Symlinks: the target. */
  readonly target: string | null
  /** Name and value of each xattr, null when none (or the file system has no xattrs). */
  readonly xattrs: Array<[name: string, value: Buffer]> | null
}

/**
 * The listing of `root` and of every directory below it: root first, then breadth-first, each
 * listing's subdirectories in the order it gives them. A listing holds every entry but . and .., in
 * readdir order. A native thread reads ahead while the caller works through the listings.
 */
export function* scanTree(root: PathArg): Generator<ScannedEntry[], void, undefined> {
  const a = load()
  const scan = call(root, x => x.treeScanStart(toBuffer(root)))
  try {
    for (;;) {
      const listings = call(root, x => x.treeScanNext(scan))
      if (listings === null) return
      for (const [nums, bytes] of listings) yield entries(nums, bytes)
    }
  } finally {
    a.treeScanClose(scan)
  }
}

/** The entry of `path` itself, as scanTree reports entries (name empty). */
export function lstatEntry(path: PathArg): ScannedEntry {
  return call(path, a => entries(...a.lstatEntry(toBuffer(path))))[0]!
}

function entries(nums: Float64Array, bytes: Buffer): ScannedEntry[] {
  const out: ScannedEntry[] = []
  for (let at = 0; at < nums.length; at += ENTRY_FIELDS.length) {
    const mode = nums[at + F.mode]!
    const pathOff = nums[at + F.pathOff]!
    const pathEnd = pathOff + nums[at + F.pathLen]!
    const linkIdOff = nums[at + F.linkIdOff]!
    const linkIdLen = nums[at + F.linkIdLen]!
    const targetOff = nums[at + F.targetOff]!
    const xattrCount = nums[at + F.xattrCount]!
    out.push({
      path: bytes.subarray(pathOff, pathEnd),
      name: bytes.toString('latin1', pathEnd - nums[at + F.nameLen]!, pathEnd),
      mode,
      uid: nums[at + F.uid]!,
      gid: nums[at + F.gid]!,
      size: nums[at + F.size]!,
      nlink: nums[at + F.nlink]!,
      mtimeSec: nums[at + F.mtimeSec]!,
      mtimeNsec: nums[at + F.mtimeNsec]!,
      rdevMajor: nums[at + F.rdevMajor]!,
      rdevMinor: nums[at + F.rdevMinor]!,
      linkId: linkIdLen > 0 ? bytes.toString('latin1', linkIdOff, linkIdOff + linkIdLen) : null,
      target: (mode & constants.S_IFMT) === constants.S_IFLNK ? bytes.toString('latin1', targetOff, targetOff + nums[at + F.targetLen]!) : null,
      xattrs: xattrCount > 0 ? xattrRecords(bytes, nums[at + F.xattrOff]!, xattrCount) : null,
    })
  }
  return out
}

/** `count` records of u32le name length, u32le value length, name, value; values are copied out. */
function xattrRecords(bytes: Buffer, at: number, count: number): Array<[string, Buffer]> {
  const out: Array<[string, Buffer]> = []
  for (let i = 0; i < count; i++) {
    const nameLen = bytes.readUInt32LE(at)
    const valueLen = bytes.readUInt32LE(at + 4)
    const name = bytes.toString('latin1', at + 8, at + 8 + nameLen)
    out.push([name, Buffer.from(bytes.subarray(at + 8 + nameLen, at + 8 + nameLen + valueLen))])
    at += 8 + nameLen + valueLen
  }
  return out
}

/**
 * Copies byte ranges of files, on a worker thread, into the file open as `out` (kernel side where it
 * can: copy_file_range or splice, else pread/pwrite in native code; the bytes never reach
 * JavaScript) or into the Buffer `out` (whose spans JavaScript must leave alone until this settles).
 * `spans` holds four numbers per range: index into `paths`, source offset, length, destination
 * offset. A file shorter than its ranges rejects with SizeMismatchError (got: where it ended).
 */
export async function copyFiles(out: number | Buffer, paths: readonly Buffer[], spans: Float64Array): Promise<void> {
  const a = load()
  try {
    await a.copyFiles(out, paths, spans)
  } catch (err) {
    const e = err as AddonError & { index?: number; shortAt?: number }
    const path = e.index === undefined ? undefined : paths[e.index]
    if (path === undefined) throw err
    if (e.shortAt !== undefined) throw new SizeMismatchError(`${path.toString('latin1')}: file shrank while reading`, e.shortAt, wantOf(spans, e.index!))
    throw fsError(err, path)
  }
}

/** Where the spans of file `index` end: the size it must have. */
function wantOf(spans: Float64Array, index: number): number {
  let want = 0
  for (let s = 0; s < spans.length; s += 4) if (spans[s] === index) want = Math.max(want, spans[s + 1]! + spans[s + 2]!)
  return want
}

/** Xattr names are byte strings in the tree model, so strings are taken as latin1. */
function nameBuffer(name: string | Buffer): Buffer {
  return typeof name === 'string' ? Buffer.from(name, 'latin1') : name
}
