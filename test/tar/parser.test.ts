// Typeflag rules (GNU tar's where POSIX leaves room), end-of-archive rules (Go archive/tar's), PAX
// records and limits, on archives python's header encoder writes (fixtures/craft.py).
import t from 'tap'
import { MAX_META_SIZE } from '../../lib/tar/assembler.js'
import { TarParser, tarEntries } from '../../lib/tar/parser.js'
import { BootcLiveError } from '../../lib/errors.js'
import { CHUNKINGS, craft, craftAll, parseTar, type CraftMember } from './fixtures/helpers.js'

function entries(tar: Uint8Array) {
  const all = CHUNKINGS.map(how => parseTar(tar, how).map(p => ({ ...p.entry, sha256: p.sha256.slice(0, 8) })))
  for (const other of all.slice(1)) if (JSON.stringify(other) !== JSON.stringify(all[0])) throw new Error('chunkings differ')
  return all[0]!
}
/** Entries, or the error (a BootcLiveError) as a plain object. */
function entriesOrError(tar: Uint8Array): unknown {
  try {
    return entries(tar)
  } catch (err) {
    if (!(err instanceof BootcLiveError)) throw err
    return { code: err.code, message: err.message }
  }
}
const after = { name: 'after', data: 'ok' }

t.test('typeflags', async t => {
  const sparse: CraftMember = { name: 'GNUSparseFile.0/big', pax: { 'GNU.sparse.major': '1', 'GNU.sparse.name': 'big' }, format: 'pax' }
  const [label, global, dump, odd, contiguous, old, hard, s, m, paxSparse] = craftAll([
    [{ name: 'label', type: 'V', data: 'x'.repeat(600) }, after],
    [{ name: 'g', type: 'g', data: '8 a=bcd\n' }, after],
    [{ name: 'dump', type: 'D', data: 'Yfile\0\0' }, after],
    [{ name: 'odd', type: 'A', data: 'data!' }, after],
    [{ name: 'c', type: '7', data: 'abc' }],
    [{ name: 'old/', type: '\0' }, { name: 'reg/', type: '0' }, { name: 'ln', type: '2', linkname: 't' }],
    [{ name: 'h', type: '1', linkname: 'x', size: 700 }, after],
    [{ name: 'sp', type: 'S', data: 'x' }],
    [{ name: 'mv', type: 'M', data: 'x' }],
    [sparse],
  ]).map(entriesOrError)
  t.match(label, [{ path: 'after', size: 2 }], "'V' volume label skipped")
  t.match(global, [{ path: 'after' }], "'g' global header ignored")
  t.match(dump, [{ path: 'dump', type: 'dir', size: 0 }, { path: 'after' }], "'D' dumpdir is a directory")
  t.match(odd, [{ path: 'odd', type: 'file', size: 5 }, { path: 'after' }], 'unknown typeflag: a file')
  t.match(contiguous, [{ type: 'file', size: 3 }], "'7' contiguous: a file")
  t.match(old, [{ type: 'dir', path: 'old/' }, { type: 'file', path: 'reg/' }, { type: 'symlink', linkpath: 't' }], "'\\0' with a trailing slash is a directory, '0' is not (as Go and python)")
  t.match(hard, [{ type: 'hardlink', size: 0, linkpath: 'x' }, { path: 'after' }], 'a hardlink header size has no data')
  t.match(s, { code: 'UNSUPPORTED', message: 'tar entry "sp": gnu sparse files are not supported' })
  t.match(m, { code: 'UNSUPPORTED', message: /^tar entry "mv": gnu multi-volume/ })
  t.match(paxSparse, { code: 'UNSUPPORTED', message: /^tar entry "big": sparse files are not supported/ })
})

t.test('end of archive', async t => {
  const one = craft([{ name: 'a', data: 'x'.repeat(10) }], false)
  t.match(entries(one), [{ path: 'a' }], 'EOF at a header boundary without the end marker')
  t.match(entries(concat(one, new Uint8Array(512))), [{ path: 'a' }], 'EOF after one zero block')
  t.match(entries(concat(one, new Uint8Array(1024), Buffer.from('garbage after the end'))), [{ path: 'a' }], 'anything after the end marker is ignored')
  t.throws(() => entries(concat(new Uint8Array(512), one)), { code: 'TAR_FORMAT', message: 'tar header at offset 512: follows a lone zero block' })
  t.throws(() => entries(one.subarray(0, 515)), { code: 'TAR_FORMAT', message: 'truncated tar data of entry "a" at offset 515' })
  t.throws(() => entries(one.subarray(0, 1000)), { code: 'TAR_FORMAT', message: 'truncated tar padding at offset 1000' })
  t.throws(() => entries(concat(one, one.subarray(0, 100))), { code: 'TAR_FORMAT', message: 'truncated tar header at offset 1124' })
  const meta = craft([{ name: 'L'.repeat(200), format: 'gnu' }], false)
  t.throws(() => entries(meta.subarray(0, 1024)), { code: 'TAR_FORMAT', message: /metadata record without its entry/ })
  t.throws(() => entries(meta.subarray(0, 600)), { code: 'TAR_FORMAT', message: 'truncated tar metadata record at offset 600' })
})

t.test('pax records', async t => {
  const pax = (records: Record<string, string>): CraftMember[] => [{ name: 'p', format: 'pax', pax: records, data: 'abc' }]
  const raw = (body: string): CraftMember[] => [{ name: 'x', type: 'x', data: body }, { name: 'f' }]
  const badMtimes = ['1e5', '1.2.3', 'x', '-']
  const badRecords = ['8 a=bcd', '8 abcde\n', '3 a=b\n', '99 a=b\n', 'x a=b\n', '5 =b\n', '8a=bcde\n', '7 a\0=b\n', '06 a=b\n2']
  const [all, empty, emptyXattr, badUid, badName, good, ...rest] = craftAll([
    pax({ uid: '4000000000', gid: '7', mtime: '12.5', path: 'new/path', size: '3' }),
    pax({ path: '' }),
    pax({ 'SCHILY.xattr.user.e': '' }),
    pax({ uid: '-1' }),
    pax({ 'LIBARCHIVE.xattr.user.%zz': 'AA==' }),
    raw('8 a=bcd\n'),
    ...badMtimes.map(mtime => pax({ mtime })),
    ...badRecords.map(raw),
  ]).map(entriesOrError)
  t.match(all, [{ path: 'new/path', uid: 4000000000, gid: 7, mtimeSec: 12, mtimeNsec: 500000000, size: 3 }])
  t.match(empty, [{ path: 'p' }], 'an empty value falls back to the header')
  t.match(emptyXattr, [{ xattrs: new Map([['user.e', new Uint8Array(0)]]) }], 'an empty xattr is kept')
  t.match(badUid, { code: 'TAR_FORMAT', message: /pax uid: invalid value/ })
  t.match(badName, { code: 'TAR_FORMAT', message: /pax LIBARCHIVE.xattr.user.%zz: invalid value/ })
  t.match(good, [{ path: 'f' }], 'a well-formed raw record')
  badMtimes.forEach((m, i) => t.match(rest[i], { code: 'TAR_FORMAT', message: /pax mtime: invalid value/ }, m))
  badRecords.forEach((r, i) => {
    t.match(rest[badMtimes.length + i], { code: 'TAR_FORMAT', message: /^tar header at offset 0: pax record at byte 0: / }, JSON.stringify(r))
  })
})

t.test('metadata records are capped', async t => {
  const big = craft([{ name: 'x', type: 'x', size: MAX_META_SIZE + 1 }], false).subarray(0, 512)
  t.throws(() => entries(big), { code: 'LIMIT', message: `tar header at offset 0: metadata record of ${MAX_META_SIZE + 1} bytes exceeds the limit of ${MAX_META_SIZE}` })
  const ok = craft([{ name: 'L', type: 'L', data: 'n'.repeat(MAX_META_SIZE - 1) + '\0' }, { name: 'short' }])
  t.equal(parseTar(ok, 'random')[0]?.entry.path.length, MAX_META_SIZE - 1, 'a long name of exactly the limit')
})

t.test('tarEntries and misuse', async t => {
  const tar = craft([{ name: 'a', data: 'x' }, { name: 'b/', type: '5' }])
  async function* source() {
    for (let i = 0; i < tar.length; i += 100) yield tar.subarray(i, i + 100)
  }
  const got = []
  for await (const e of tarEntries(source())) got.push(e.path)
  t.same(got, ['a', 'b/'])
  const p = new TarParser({ entry: () => {} })
  t.throws(() => p.write(new Uint8Array(512).fill(1)), { code: 'TAR_FORMAT' })
  t.throws(() => p.write(tar), { code: 'USAGE', message: 'tar parser: used after an error' })
})

function concat(...parts: Uint8Array[]): Uint8Array {
  return new Uint8Array(Buffer.concat(parts))
}
