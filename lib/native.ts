// Typed access to the native helper (native/bootc_live_native.c): the syscalls Node's fs lacks.
// It is loaded on first use, so code that never touches xattrs or device nodes works without it.

import { createRequire } from 'node:module'
import { join } from 'node:path'
import { getSystemErrorName } from 'node:util'
import { BootcLiveError } from './errors.js'
import { packageRoot } from './package-root.js'

interface Addon {
  lgetxattr(path: Buffer, name: Buffer): Buffer | null
  llistxattr(path: Buffer): Buffer[]
  lsetxattr(path: Buffer, name: Buffer, value: Uint8Array): void
  mknod(path: Buffer, mode: number, major: number, minor: number): void
  lutimes(path: Buffer, sec: number, nsec: number): void
}

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
  return addon
}

type PathArg = string | Buffer

function toBuffer(p: PathArg): Buffer {
  return typeof p === 'string' ? Buffer.from(p) : p
}

/** Runs one addon call, turning its `{errno, syscall}` error into a Node-style fs error with `code` and `path`. */
function call<T>(path: PathArg, fn: (a: Addon) => T): T {
  const a = load()
  try {
    return fn(a)
  } catch (err) {
    const e = err as Error & { errno?: number; syscall?: string }
    if (typeof e.errno !== 'number' || typeof e.syscall !== 'string') throw err
    const code = getSystemErrorName(-e.errno)
    const shown = typeof path === 'string' ? path : path.toString()
    const out = new Error(`${code}: ${e.message.toLowerCase()}, ${e.syscall} '${shown}'`) as NodeJS.ErrnoException
    Object.assign(out, { errno: -e.errno, code, syscall: e.syscall, path: shown })
    throw out
  }
}

/** The value of xattr `name` (raw bytes; a latin1 byte string also works), or null when absent. */
export function lgetxattr(path: PathArg, name: string | Buffer): Buffer | null {
  return call(path, a => a.lgetxattr(toBuffer(path), nameBuffer(name)))
}

/** Names of all xattrs of `path` (not following a final symlink), as raw bytes. */
export function llistxattr(path: PathArg): Buffer[] {
  return call(path, a => a.llistxattr(toBuffer(path)))
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

/** Xattr names are byte strings in the tree model, so strings are taken as latin1. */
function nameBuffer(name: string | Buffer): Buffer {
  return typeof name === 'string' ? Buffer.from(name, 'latin1') : name
}
