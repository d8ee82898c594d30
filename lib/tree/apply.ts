// Applying one layer's tar entries to a tree, with the OCI image-spec layer.md semantics as umoci
// (oci/layer/tar_extract.go) implements them:
// - an entry replaces what is at its path, except directory over directory (attributes only, the
//   xattr set is replaced, children kept);
// - `.wh.NAME` (by basename, whatever the entry type) removes NAME and `DIR/.wh..wh..opq` removes
//   DIR's children, but only what LOWER layers put there: every path this layer created or passed
//   through (the "upper" paths, as umoci's upperPaths) survives, whether it came before or after
//   the whiteout. Whiteouts apply at once, so later entries never traverse hidden lower symlinks;
//   a lower directory this layer only passed through is kept, minus its own lower children.
// - hardlinks share the target's Inode; the root can be updated but never replaced.

import { FormatError, UnsafePathError } from '../errors.js'
import type { TarEntry } from '../tar/entry.js'
import { cleanPath, findDir, makeDir, showPath } from './path.js'
import { Inode, type Content, type Kind, type Tree } from './node.js'

export const WHITEOUT_PREFIX = '.wh.'
export const WHITEOUT_OPAQUE = '.wh..wh..opq'

/** eStargz bookkeeping files at the layer root: not part of the filesystem. */
const ESTARGZ_NAMES: ReadonlySet<string> = new Set(['stargz.index.json', '.prefetch.landmark', '.no.prefetch.landmark'])

const NODE_KIND: Record<Exclude<TarEntry['type'], 'hardlink'>, Kind> = {
  file: 'reg',
  dir: 'dir',
  symlink: 'symlink',
  chr: 'chr',
  blk: 'blk',
  fifo: 'fifo',
}

export class LayerApplier {
  /** Upper paths of this layer: directory inode -> names in it created or passed through. */
  private upper = new Map<Inode, Set<string>>()

  /**
   * `contentOf` decides where a new regular file's bytes are referenced from; by default the range
   * of the layer's tar stream (read again in a second pass). It is called only for files that
   * enter the tree with data, so a caller may also use it to start copying that data elsewhere.
   */
  constructor(
    readonly tree: Tree,
    readonly layerIndex: number,
    private readonly contentOf: (e: TarEntry, layerIndex: number) => Content = layerRange,
  ) {}

  apply(e: TarEntry): void {
    const parts = cleanPath(e.path)
    const name = parts.pop()
    if (name === undefined) return this.applyRoot(e)
    if (name.startsWith(WHITEOUT_PREFIX)) return this.whiteout(e, parts, name)
    if (parts.length === 0 && ESTARGZ_NAMES.has(name)) return
    const link = e.type === 'hardlink' ? this.linkTarget(e) : null
    const at = makeDir(this.tree.root, parts, e.path)
    for (let i = 0; i < at.names.length; i++) this.markUpper(at.parents[i]!, at.names[i]!)
    this.markUpper(at.dir, name)
    const existing = at.dir.children!.get(name)
    if (link !== null) {
      at.dir.children!.set(name, link)
    } else if (e.type === 'dir' && existing?.kind === 'dir') {
      setAttributes(existing, e)
    } else {
      at.dir.children!.set(name, this.newNode(e))
    }
  }

  /** Ends the layer: the next layer sees everything this one made as lower. */
  finish(): void {
    this.upper = new Map()
  }

  private applyRoot(e: TarEntry): void {
    if (e.type !== 'dir') {
      throw new UnsafePathError(`layer entry ${showPath(e.path)}: ${e.type} would replace the root directory`)
    }
    setAttributes(this.tree.root, e)
  }

  /** A fresh inode; regular files start as EMPTY_CONTENT (node.ts) and get a range when sized. */
  private newNode(e: TarEntry): Inode {
    const node = new Inode(NODE_KIND[e.type as keyof typeof NODE_KIND], e.mode)
    setAttributes(node, e)
    if (node.kind === 'reg' && e.size > 0) {
      node.content = this.contentOf(e, this.layerIndex)
    } else if (node.kind === 'symlink') {
      node.target = e.linkpath
    } else if (node.kind === 'chr' || node.kind === 'blk') {
      node.rdevMajor = e.devmajor
      node.rdevMinor = e.devminor
    }
    return node
  }

  /** The inode a hardlink entry names: resolved like any path, last component not followed. */
  private linkTarget(e: TarEntry): Inode {
    const parts = cleanPath(e.linkpath)
    const name = parts.pop()
    const dir = name === undefined ? null : findDir(this.tree.root, parts, e.path)
    const node = name === undefined ? this.tree.root : dir?.children!.get(name)
    const what = `layer entry ${showPath(e.path)}: hardlink target ${showPath(e.linkpath)}`
    if (node === undefined) throw new FormatError(`${what} does not exist`)
    if (node.kind === 'dir') throw new FormatError(`${what} is a directory`)
    return node
  }

  private whiteout(e: TarEntry, parts: string[], name: string): void {
    const opaque = name === WHITEOUT_OPAQUE
    const victim = name.slice(WHITEOUT_PREFIX.length)
    if (!opaque && victim === '') throw new FormatError(`layer entry ${showPath(e.path)}: bare whiteout ${showPath(name)} names nothing`)
    if (!opaque && (victim === '.' || victim === '..')) {
      throw new UnsafePathError(`layer entry ${showPath(e.path)}: whiteout ${showPath(name)} would delete outside its directory`)
    }
    // A missing parent, or one that is not a directory (now a file), has nothing to hide.
    const dir = findDir(this.tree.root, parts, e.path)
    if (dir === null) return
    if (opaque) {
      for (const child of [...dir.children!.keys()]) this.removeLower(dir, child)
    } else {
      this.removeLower(dir, victim)
    }
  }

  /** Removes dir/name unless this layer made it; if it did, removes the lower part below it. */
  private removeLower(dir: Inode, name: string): void {
    const work: Array<[Inode, string]> = [[dir, name]]
    while (work.length > 0) {
      const [parent, child] = work.pop()!
      const node = parent.children!.get(child)
      if (node === undefined) continue
      if (!this.upper.get(parent)?.has(child)) {
        parent.children!.delete(child)
      } else if (node.kind === 'dir') {
        for (const grandchild of node.children!.keys()) work.push([node, grandchild])
      }
    }
  }

  private markUpper(dir: Inode, name: string): void {
    let names = this.upper.get(dir)
    if (names === undefined) {
      names = new Set()
      this.upper.set(dir, names)
    }
    names.add(name)
  }
}

/** Applies a whole layer's entries in order. */
export function applyLayer(tree: Tree, layerIndex: number, entries: Iterable<TarEntry>): void {
  const applier = new LayerApplier(tree, layerIndex)
  for (const e of entries) applier.apply(e)
  applier.finish()
}

/** mode, owner, mtime and the whole xattr set (umoci clears xattrs before setting the entry's). */
function setAttributes(node: Inode, e: TarEntry): void {
  node.mode = e.mode & 0o7777
  node.uid = e.uid
  node.gid = e.gid
  node.mtimeSec = e.mtimeSec
  node.mtimeNsec = e.mtimeNsec
  node.xattrs = e.xattrs !== null && e.xattrs.size > 0 ? new Map(e.xattrs) : null
}

function layerRange(e: TarEntry, layer: number): Content {
  return { kind: 'layer', layer, offset: e.dataOffset, size: e.size }
}
