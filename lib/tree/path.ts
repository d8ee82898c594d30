// Path cleaning and resolution inside the tree's root, the containment half of layer application.
// Layer entry names are cleaned lexically ('..' clamped at the root, absolute names re-rooted); the
// components above the last one are then resolved the way filepath-securejoin (used by umoci's
// tar_extract.go) does: symlinks are expanded INSIDE the root (absolute targets from the root,
// relative ones from the symlink's directory, '..' applied lexically to the resolved prefix and
// clamped), missing components are carried along as "to be created", at most 255 expansions.
// The last component is never followed. Nothing outside the tree is reachable by construction.

import { FormatError, UnsafePathError } from '../errors.js'
import { Inode } from './node.js'

/** filepath-securejoin's MaxSymlinkLimit; Linux itself stops at 40. */
export const MAX_SYMLINK_HOPS = 255

/** Splits a byte-string path into components: '' and '.' dropped, '..' pops (never above the root). */
export function cleanPath(path: string): string[] {
  const parts: string[] = []
  for (const part of path.split('/')) {
    if (part === '' || part === '.') continue
    if (part === '..') parts.pop()
    else parts.push(part)
  }
  return parts
}

/** A path as text for messages: UTF-8 where it decodes, quoted and escaped. */
export function showPath(path: string): string {
  return JSON.stringify(shortenPath(Buffer.from(path, 'latin1').toString('utf8')))
}

/** Paths in messages keep their start and end: a hostile layer's 10 KB path must not make a 10 KB line. */
export function shortenPath(path: string): string {
  return path.length <= SHOWN_MAX ? path : `${path.slice(0, SHOWN_HEAD)}...${path.slice(-SHOWN_TAIL)}`
}

const SHOWN_HEAD = 60
const SHOWN_TAIL = 100
const SHOWN_MAX = SHOWN_HEAD + 3 + SHOWN_TAIL

/** One resolved component: its name and the inode there now (null: missing, to be created). */
interface Step {
  name: string
  node: Inode | null
}

/**
 * Resolves `parts` (already cleaned) inside the root, following every symlink met on the way.
 * Returns the chain of components from the root to the result. A component under a missing or
 * non-directory one is missing; securejoin treats ENOTDIR the same as ENOENT.
 */
function resolveChain(root: Inode, parts: readonly string[], what: string): Step[] {
  const chain: Step[] = []
  // Components still to walk, last one first, so a symlink's target is pushed in front cheaply.
  const todo = parts.slice().reverse()
  let hops = 0
  while (todo.length > 0) {
    const part = todo.pop()!
    if (part === '' || part === '.') continue
    if (part === '..') {
      chain.pop()
      continue
    }
    const dir = chain.length === 0 ? root : chain[chain.length - 1]!.node
    const node = dir?.kind === 'dir' ? dir.children!.get(part) ?? null : null
    if (node?.kind !== 'symlink') {
      chain.push({ name: part, node })
      continue
    }
    if (++hops > MAX_SYMLINK_HOPS) {
      throw new UnsafePathError(`layer entry ${showPath(what)}: too many levels of symbolic links`)
    }
    const target = node.target!
    if (target.startsWith('/')) chain.length = 0
    const targetParts = target.split('/')
    for (let i = targetParts.length - 1; i >= 0; i--) todo.push(targetParts[i]!)
  }
  return chain
}

/**
 * The directory that `parts` names, for lookups (whiteouts, hardlink targets): null when it is
 * missing or not a directory. Creates nothing.
 */
export function findDir(root: Inode, parts: readonly string[], what: string): Inode | null {
  const chain = resolveChain(root, parts, what)
  const node = chain.length === 0 ? root : chain[chain.length - 1]!.node
  return node?.kind === 'dir' ? node : null
}

/** A directory reached by makeDir, with the (directory, name) pairs walked to reach it. */
export interface DirPath {
  dir: Inode
  /** parents[i] holds names[i]; parents[0] is the root. */
  parents: Inode[]
  names: string[]
}

/**
 * The directory that `parts` names, creating missing components as directories 0755 root:root
 * mtime 0 (as umoci's MkdirAll of the resolved parent). A component that exists and is not a
 * directory is a FormatError: umoci fails there too (mkdir parent: not a directory).
 */
export function makeDir(root: Inode, parts: readonly string[], what: string): DirPath {
  const chain = resolveChain(root, parts, what)
  const parents: Inode[] = []
  const names: string[] = []
  let dir = root
  for (const step of chain) {
    let node = step.node
    if (node === null) {
      node = new Inode('dir', 0o755)
      dir.children!.set(step.name, node)
    } else if (node.kind !== 'dir') {
      const at = names.concat(step.name).join('/')
      throw new FormatError(`layer entry ${showPath(what)}: parent ${showPath(at)} is not a directory (${node.kind})`)
    }
    parents.push(dir)
    names.push(step.name)
    dir = node
  }
  return { dir, parents, names }
}
