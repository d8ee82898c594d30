import { formatBytes } from './progress.js'
import { walk, type Tree } from '../../lib/tree/node.js'

/** "1234 entries, 56.7 MiB of file data". */
export function summarizeTree(tree: Tree): string {
  let entries = 0
  let bytes = 0
  const seen = new Set<object>()
  for (const [, node] of walk(tree)) {
    entries++
    if (node.kind === 'reg' && !seen.has(node)) {
      seen.add(node)
      bytes += node.size
    }
  }
  return `${entries} entries, ${formatBytes(bytes)} of file data`
}
