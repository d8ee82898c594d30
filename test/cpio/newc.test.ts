// Our newc writer read back by GNU cpio (the reference), byte-exact contents and names.

import t from 'tap'
import { execFileSync } from 'node:child_process'
import { createWriteStream } from 'node:fs'
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { NEWC_HEADER, writeNewc, type CpioEntry } from '../../lib/cpio/newc.js'
import { UsageError } from '../../lib/errors.js'

const work = await mkdtemp(join(tmpdir(), 'cpio-'))
t.teardown(() => rm(work, { recursive: true, force: true }))

async function writeArchive(path: string, entries: CpioEntry[]): Promise<void> {
  await pipeline(Readable.from(writeNewc(entries)), createWriteStream(path))
}

t.test('the header table is 110 bytes of hex fields', async t => {
  t.equal(NEWC_HEADER.size, 110)
  t.equal(NEWC_HEADER.fields.length, 14)
})

t.test('GNU cpio extracts what we wrote, byte for byte', async t => {
  const src = join(work, 'src')
  await mkdir(src)
  const sizes = [0, 1, 2, 3, 4, 5, 511, 4096, (1 << 20) + 3]
  const entries: CpioEntry[] = [{ name: 'dir', type: 'dir', mode: 0o750 }]
  for (const n of sizes) {
    const data = Buffer.alloc(n, n % 251)
    for (let i = 0; i < n; i += 97) data[i] = i % 256
    await writeFile(join(src, `f${n}`), data)
    entries.push({ name: `dir/f${n}`, type: 'file', source: join(src, `f${n}`), mode: 0o600 })
  }
  entries.push({ name: 'root.oci', type: 'file', source: join(src, 'f5') })
  entries.push({ name: 'dir/ünïcødé', type: 'file', source: join(src, 'f1') }) // UTF-8 bytes, as argv gave them
  const archive = join(work, 'a.cpio')
  await writeArchive(archive, entries)
  t.equal((await stat(archive)).size % 4, 0, 'archive length is a multiple of 4')

  const listing = execFileSync('cpio', ['-t', '--quiet', '-F', archive], { encoding: 'utf8' })
  t.same(listing.trim().split('\n'), entries.map(e => e.name), 'cpio -t lists every name in order')

  const out = join(work, 'out')
  await mkdir(out)
  execFileSync('cpio', ['-i', '--quiet', '--make-directories', '--no-absolute-filenames', '-F', archive], { cwd: out })
  for (const n of sizes) {
    t.same(await readFile(join(out, 'dir', `f${n}`)), await readFile(join(src, `f${n}`)), `f${n} content`)
    t.equal((await stat(join(out, 'dir', `f${n}`))).mode & 0o7777, 0o600, `f${n} mode`)
  }
  t.equal((await stat(join(out, 'dir'))).mode & 0o7777, 0o750, 'dir mode')
  const verbose = execFileSync('cpio', ['-tv', '--quiet', '-F', archive], { encoding: 'utf8' })
  t.match(verbose, /-rw-r--r--\s+1 root\s+root\s+5 .* root\.oci/, 'owner root, default mode 0644')
})

t.test('names that would leave the archive root are refused', async t => {
  for (const name of ['/abs', '../up', 'a/../../b', '']) {
    await t.rejects(writeArchive(join(work, 'bad.cpio'), [{ name, type: 'dir' }]), UsageError, JSON.stringify(name))
  }
})
