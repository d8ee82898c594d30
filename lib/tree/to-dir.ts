// Writes a tree into a directory on disk. Order matters: create everything (parents first), fill
// file contents in whatever order the reader delivers them, then per inode chown -> xattrs -> chmod
// -> times (chown clears setuid bits and file capabilities, so those come after it), directories
// last and deepest first so their mtimes survive the writes into them.
// Without root (or when the kernel refuses) it degrades like umoci's rootless mode: ownership,
// device nodes and privileged xattrs are skipped with one warning per kind, never a crash.
// The system calls are synchronous on purpose: each is a few microseconds on tmpfs, while a
// promise round trip through the thread pool costs more than the call, and decompression keeps
// running on the pool meanwhile.

import { mkdir, readdir } from 'node:fs/promises'
import { chmodSync, closeSync, constants, lchownSync, linkSync, mkdirSync, openSync, renameSync, symlinkSync, writeSync } from 'node:fs'
import { basename, dirname, resolve } from 'node:path'
import { BootcLiveError, FormatError, SizeMismatchError, UnsafePathError, UsageError, ioError } from '../errors.js'
import { lsetxattr, lutimes, mknod } from '../native.js'
import type { ContentReader } from './content.js'
import { Inode, Tree, compareNames, walk, type Kind } from './node.js'
import { shortenPath } from './path.js'

export interface WriteDirOptions {
  /** Called once per kind of thing that could not be restored (ownership, devices, xattrs). */
  onWarning?: (msg: string) => void
  /**
   * A staging folder on the target's filesystem: 'file' contents inside it are renamed into place
   * instead of copied. It may sit directly in `dir` (the one entry allowed in the target then).
   */
  moveFrom?: string
}

/** One name in the tree, in walk order. `first` is set when an earlier name has the same inode. */
interface Entry {
  readonly path: Buffer
  readonly shown: string
  readonly node: Inode
  readonly first: Entry | null
}

const { O_WRONLY, O_CREAT, O_EXCL, O_NOFOLLOW } = constants
/** Open files kept while contents interleave; older ones are closed and reopened on demand. */
const MAX_OPEN_FILES = 64
const NODE_TYPE: Partial<Record<Kind, number>> = {
  chr: constants.S_IFCHR,
  blk: constants.S_IFBLK,
  fifo: constants.S_IFIFO,
  sock: constants.S_IFSOCK,
}
/** Errors meaning "not allowed here" rather than "something is broken". */
const REFUSED = new Set(['EPERM', 'EACCES', 'ENOTSUP', 'EINVAL', 'E2BIG'])

export async function writeTreeToDir(tree: Tree, reader: ContentReader, dir: string, opts: WriteDirOptions = {}): Promise<void> {
  const target = resolve(dir)
  const entries = planEntries(tree, Buffer.from(target))
  const staging = opts.moveFrom === undefined ? undefined : resolve(opts.moveFrom)
  const stagingName = staging !== undefined && dirname(staging) === target ? basename(staging) : undefined
  if (stagingName !== undefined && tree.root.children!.has(stagingName)) {
    throw new UsageError(`staging folder ${staging} has the name of an entry of the tree`)
  }
  await prepareTarget(dir, stagingName)
  const out = new DirWriter(opts.onWarning, staging === undefined ? undefined : Buffer.from(`${staging}/`))
  for (const e of entries.slice(1)) io(e, () => out.create(e)) // entries[0] is the root: dir itself
  await out.writeContents(reader)
  const unique = entries.filter(e => e.first === null && !out.missing.has(e.node))
  for (const e of unique) if (e.node.kind !== 'dir') io(e, () => out.setMetadata(e))
  for (const e of [...unique].reverse()) if (e.node.kind === 'dir') io(e, () => out.setMetadata(e))
  out.flushWarnings()
}

/** Validates every name before anything is written, so a bad tree leaves no trace. */
function planEntries(tree: Tree, root: Buffer): Entry[] {
  const entries: Entry[] = []
  const firsts = new Map<Inode, Entry>()
  // walk() descends into a directory only after we return from its yield, so bad names and
  // directory cycles are caught before anything below them is visited.
  for (const [p, node] of walk(tree)) {
    const shown = JSON.stringify(shortenPath(`/${p}`))
    const first = firsts.get(node) ?? null
    if (first && node.kind === 'dir') throw new FormatError(`tree entry ${shown}: directory already at ${first.shown}`)
    for (const name of node.children?.keys() ?? []) {
      if (!isSafeName(name)) throw new UnsafePathError(`tree entry ${shown}: unsafe child name ${JSON.stringify(name)}`)
    }
    const entry: Entry = { path: p === '' ? root : Buffer.concat([root, Buffer.from(`/${p}`, 'latin1')]), shown, node, first }
    if (!first) firsts.set(node, entry)
    entries.push(entry)
  }
  return entries
}

function isSafeName(name: string): boolean {
  return name !== '' && name !== '.' && name !== '..' && !name.includes('/') && !name.includes('\0')
}

/** Creates `dir` if missing; refuses a non-directory or a directory that is not empty. */
export async function prepareTarget(dir: string, allowed?: string): Promise<void> {
  let names: string[]
  try {
    names = await readdir(dir)
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    if (code === 'ENOENT') return void (await mkdir(dir, { recursive: true }))
    if (code === 'ENOTDIR') throw new UsageError(`target ${dir}: not a directory`)
    throw err
  }
  if (names.some(n => n !== allowed)) throw new UsageError(`target ${dir}: directory is not empty`)
}

function io(e: Entry, fn: () => void): void {
  try {
    fn()
  } catch (err) {
    if (err instanceof BootcLiveError) throw err
    // ioError leaves out the call's own path: the same entry under the target, or a staging name.
    throw ioError(`writing ${e.shown}`, err)
  }
}

class DirWriter {
  /** Inodes that could not be created (device nodes without privilege): no links, no metadata. */
  readonly missing = new Set<Inode>()
  private readonly files: Entry[] = []
  private readonly uid = process.getuid?.()
  private readonly gid = process.getgid?.()
  private readonly warnings = new Map<string, { count: number; first: string }>()

  constructor(
    private readonly onWarning?: (msg: string) => void,
    /** Prefix (with a trailing '/') of staged files to rename rather than copy. */
    private readonly moveFrom?: Buffer,
  ) {}

  create(e: Entry): void {
    const { node, path } = e
    if (e.first) {
      if (!this.missing.has(node)) linkSync(e.first.path, path)
    } else if (node.kind === 'dir') {
      mkdirSync(path, 0o700)
    } else if (node.kind === 'reg') {
      const c = node.content!
      if (this.moveFrom && c.kind === 'file' && c.path.subarray(0, this.moveFrom.length).equals(this.moveFrom)) {
        renameSync(c.path, path)
        return
      }
      closeSync(openSync(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0o600))
      if (node.size > 0) this.files.push(e)
    } else if (node.kind === 'symlink') {
      symlinkSync(Buffer.from(node.target!, 'latin1'), path)
    } else {
      this.makeNode(e)
    }
  }

  private makeNode(e: Entry): void {
    try {
      mknod(e.path, NODE_TYPE[e.node.kind]! | 0o600, e.node.rdevMajor, e.node.rdevMinor)
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EPERM') throw err
      this.missing.add(e.node)
      this.warn('device nodes not created', `${e.shown}: EPERM`)
    }
  }

  async writeContents(reader: ContentReader): Promise<void> {
    const sink = new ContentSink(this.files)
    try {
      await reader.read(
        this.files.map(e => e.node.content!),
        (i, chunk, at) => sink.write(i, chunk, at),
      )
      sink.checkComplete()
    } finally {
      sink.closeAll()
    }
  }

  setMetadata(e: Entry): void {
    const { node, path } = e
    if (this.uid === 0) {
      this.tolerate('ownership not restored', e.shown, () => lchownSync(path, node.uid, node.gid))
    } else if (node.uid !== this.uid || node.gid !== this.gid) {
      this.warn('ownership not restored (not running as root)', `${e.shown} wants ${node.uid}:${node.gid}`)
    }
    if (node.xattrs) {
      for (const [name, value] of [...node.xattrs].sort((a, b) => compareNames(a[0], b[0]))) {
        this.tolerate('xattrs not set', `${e.shown} ${JSON.stringify(name)}`, () => lsetxattr(path, name, value))
      }
    }
    if (node.kind !== 'symlink') chmodSync(path, node.mode)
    lutimes(path, node.mtimeSec, node.mtimeNsec)
  }

  private tolerate(what: string, detail: string, fn: () => void): void {
    try {
      fn()
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code
      if (!code || !REFUSED.has(code)) throw err
      this.warn(what, `${detail}: ${code}`)
    }
  }

  private warn(what: string, detail: string): void {
    const w = this.warnings.get(what)
    if (w) w.count++
    else this.warnings.set(what, { count: 1, first: detail })
  }

  flushWarnings(): void {
    for (const [what, { count, first }] of this.warnings) {
      this.onWarning?.(`${what} for ${count} ${count === 1 ? 'entry' : 'entries'} (first: ${first})`)
    }
  }
}

/** Places delivered chunks by position; keeps at most MAX_OPEN_FILES descriptors open. */
class ContentSink {
  private readonly open = new Map<number, number>()
  private readonly written: number[]

  constructor(private readonly files: readonly Entry[]) {
    this.written = files.map(() => 0)
  }

  write(i: number, chunk: Uint8Array, at: number): void {
    const e = this.files[i]!
    const size = e.node.size
    if (at + chunk.length > size) throw new SizeMismatchError(`content of ${e.shown}`, at + chunk.length, size)
    const fd = this.handle(i)
    for (let off = 0; off < chunk.length; ) {
      off += writeSync(fd, chunk, off, chunk.length - off, at + off)
    }
    this.written[i]! += chunk.length
    if (this.written[i] === size) {
      this.open.delete(i)
      closeSync(fd)
    }
  }

  /** The open descriptor for file i, most recently used last in `open` (Map order), evicting the oldest. */
  private handle(i: number): number {
    let fd = this.open.get(i)
    if (fd !== undefined) {
      this.open.delete(i)
    } else {
      if (this.open.size >= MAX_OPEN_FILES) {
        const [oldest, old] = this.open.entries().next().value as [number, number]
        this.open.delete(oldest)
        closeSync(old)
      }
      fd = openSync(this.files[i]!.path, O_WRONLY | O_NOFOLLOW)
    }
    this.open.set(i, fd)
    return fd
  }

  checkComplete(): void {
    this.files.forEach((e, i) => {
      if (this.written[i] !== e.node.size) throw new SizeMismatchError(`content of ${e.shown}`, this.written[i]!, e.node.size)
    })
  }

  closeAll(): void {
    for (const fd of this.open.values()) closeSync(fd)
    this.open.clear()
  }
}
