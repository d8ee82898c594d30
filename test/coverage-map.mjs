// tap's coverage map: which files a test file's coverage counts for. Every test counts for the
// TypeScript sources of lib/ and bin/, except the VM boot tests, which run a bundle of them in QEMU
// and on the host (their coverage would be of the bundle, not of the sources).
import { readdirSync } from 'node:fs'
import { join } from 'node:path'

function sources(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap(e =>
    e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') && !e.name.endsWith('.d.ts') ? [join(dir, e.name)] : [],
  )
}

const all = [...sources('lib'), ...sources('bin')]

export default function map(testFile) {
  return testFile.startsWith('test/boot/') ? null : all
}
