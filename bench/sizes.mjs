// What each side has to ship, in bytes: every file with the shared libraries `ldd` finds for it,
// each library counted once per side (libc too: both sides need it).
// usage: node bench/sizes.mjs OURS_FILE,... PEER_FILE,...   (prints one JSON line)

import { execFileSync } from 'node:child_process'
import { realpathSync, statSync } from 'node:fs'
import { basename } from 'node:path'

/** Absolute paths of the shared libraries of an ELF file (none for scripts and static binaries). */
function sharedLibs(file) {
  let out
  try {
    out = execFileSync('ldd', [file], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })
  } catch {
    return [] // "not a dynamic executable"
  }
  return [...out.matchAll(/(?:=>\s*)?(\/\S+)\s+\(0x/g)].map(m => m[1])
}

function side(files) {
  const items = new Map()
  for (const f of files) {
    items.set(realpathSync(f), { name: basename(f), kind: 'file' })
    for (const lib of sharedLibs(f)) {
      const real = realpathSync(lib)
      if (!items.has(real)) items.set(real, { name: basename(lib), kind: 'lib' })
    }
  }
  const list = [...items].map(([path, it]) => ({ ...it, path, bytes: statSync(path).size }))
  const sum = kind => list.filter(it => kind === undefined || it.kind === kind).reduce((n, it) => n + it.bytes, 0)
  return { totalBytes: sum(), filesBytes: sum('file'), libsBytes: sum('lib'), items: list }
}

const [ours, peer] = process.argv.slice(2).map(a => a.split(','))
console.log(JSON.stringify({ ours: side(ours), peer: side(peer) }))
