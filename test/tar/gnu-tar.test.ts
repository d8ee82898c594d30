// Tars written by GNU tar in every format, read by TarParser in three chunkings and compared field by
// field with python tarfile's listing, and with the source files (xattrs, nanosecond mtimes).
import { execFileSync } from 'node:child_process'
import { lstatSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t, { type Test } from 'tap'
import { CHUNKINGS, byteString, listed, parseTar, pythonList, type Parsed } from './fixtures/helpers.js'
import { DEEP_NAME, LONG_NAME, LONG_TARGET, NON_UTF8, XATTR_VALUE, makeTree } from './fixtures/trees.js'

const work = mkdtempSync(join(tmpdir(), 'tar-gnu-'))
t.teardown(() => rmSync(work, { recursive: true, force: true }))

const CASES = [
  { format: 'gnu', tree: 'full', flags: [] },
  { format: 'posix', tree: 'full', flags: ['--xattrs', '--xattrs-include=*'] },
  { format: 'ustar', tree: 'simple', flags: [] },
  { format: 'v7', tree: 'v7', flags: [] },
] as const

for (const c of CASES) {
  t.test(`GNU tar --format=${c.format}`, async t => {
    const src = join(work, `src-${c.format}`)
    execFileSync('mkdir', [src])
    makeTree(src, c.tree)
    const tarPath = join(work, `${c.format}.tar`)
    execFileSync('tar', [`--format=${c.format}`, ...c.flags, '--sort=name', '-C', src, '-cf', tarPath, '.'])
    const tar = new Uint8Array(readFileSync(tarPath))
    const want = pythonList(tarPath)
    for (const how of CHUNKINGS) {
      const got = parseTar(tar, how)
      t.same(got.map(listed), want, `${how} chunks: every field matches python tarfile`)
      if (how === 'whole') checkAgainstSource(t, got, src, c.format)
    }
  })
}

/** What python cannot tell: nanosecond mtimes and that the tree's special entries are all there. */
function checkAgainstSource(t: Test, got: Parsed[], src: string, format: string): void {
  const byPath = new Map(got.map(p => [p.entry.path.replace(/^\.\//, '').replace(/\/$/, ''), p.entry]))
  for (const [path, e] of byPath) {
    if (path === '.') continue
    const st = lstatSync(Buffer.concat([Buffer.from(`${src}/`), Buffer.from(path, 'latin1')]), { bigint: true })
    const nsec = format === 'posix' ? Number(st.mtimeNs % 1_000_000_000n) : 0
    t.equal(e.mtimeNsec, nsec, `${format} ${JSON.stringify(path)}: mtime nsec`)
    t.equal(e.mtimeSec, Number(st.mtimeNs / 1_000_000_000n), `${format} ${JSON.stringify(path)}: mtime sec`)
  }
  const expect = ['a.txt', 'lnk', 'hard', byteString(NON_UTF8)]
  if (format !== 'v7') expect.push(LONG_NAME, 'chr', 'blk', 'fifo')
  if (format === 'gnu' || format === 'posix') expect.push(DEEP_NAME, 'lnk-long', 'z-hardlink-long', 'xa')
  for (const p of expect) t.ok(byPath.has(p), `${format}: has ${JSON.stringify(p)}`)
  if (format === 'gnu' || format === 'posix') {
    t.equal(byPath.get('lnk-long')?.linkpath, LONG_TARGET)
    t.equal(byPath.get('z-hardlink-long')?.linkpath, `./${DEEP_NAME}`)
    t.equal(byPath.get('dir/sub/big.bin')?.uid, 3000000)
  }
  if (format !== 'v7') t.match(byPath.get('chr'), { type: 'chr', devmajor: 1, devminor: 3 })
  if (format === 'posix') {
    const xattrs = byPath.get('xa')?.xattrs
    t.equal(Buffer.from(xattrs?.get('user.bin') ?? []).toString('hex'), XATTR_VALUE.slice(2))
    const cap = execFileSync('getfattr', ['--absolute-names', '--only-values', '-n', 'security.capability', join(src, 'xa')])
    t.same(Buffer.from(xattrs?.get('security.capability') ?? []), cap, 'security.capability as getfattr reads it')
    t.ok(cap.includes(0) && cap.some(b => b >= 0x80), 'the capability value is binary')
  }
}

t.test('GNU tar --sparse archives are refused, naming the file', async t => {
  const dir = join(work, 'sparse')
  execFileSync('bash', ['-euo', 'pipefail', '-c', `mkdir ${dir} && truncate -s 1M ${dir}/holes && echo data >> ${dir}/holes`])
  for (const format of ['gnu', 'posix']) {
    const tarPath = join(work, `sparse-${format}.tar`)
    execFileSync('tar', [`--format=${format}`, '--sparse', '-C', dir, '-cf', tarPath, 'holes'])
    const tar = new Uint8Array(readFileSync(tarPath))
    t.throws(() => parseTar(tar, 'random'), { code: 'UNSUPPORTED', message: /^tar entry "[^"]*holes": .*sparse/ }, format)
  }
})
