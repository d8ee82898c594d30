// Tars written by python's tarfile (GNU and PAX formats), compared with its own listing; plus a
// 10 GiB base-256 size streamed through the parser and the indexer without storing it.
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { indexTar } from '../../lib/tar/index-file.js'
import { TarParser } from '../../lib/tar/parser.js'
import type { TarEntry } from '../../lib/tar/entry.js'
import { CHUNKINGS, listed, parseTar, pythonList } from './fixtures/helpers.js'

const work = mkdtempSync(join(tmpdir(), 'tar-py-'))
t.teardown(() => rmSync(work, { recursive: true, force: true }))

// Writes argv[1] in format argv[2]: long names and links, big ids, PAX mtimes and xattr records.
const WRITER = `
import io, sys, tarfile
fmt = {'gnu': tarfile.GNU_FORMAT, 'pax': tarfile.PAX_FORMAT}[sys.argv[2]]
glob = {'comment': 'global header, ignored'} if fmt == tarfile.PAX_FORMAT else {}
with tarfile.open(sys.argv[1], 'w', format=fmt, pax_headers=glob) as tf:
    def add(name, data=b'', **kw):
        ti = tarfile.TarInfo(name)
        pax = kw.pop('pax', None)
        if pax: ti.pax_headers = pax
        for k, v in kw.items(): setattr(ti, k, v)
        ti.size = len(data) if ti.type in (tarfile.REGTYPE, tarfile.AREGTYPE) else 0
        tf.addfile(ti, io.BytesIO(data))
    add('d/' + 'a' * 120, b'long name', uid=2**30, gid=2**22 + 7, mtime=1700000000, mode=0o4755)
    add('d/' + 'b' * 300, bytes(range(256)) * 3, uname='u', gname='g')
    add('caf\\u00e9-\\u2603', b'utf-8 name')
    add('lnk', type=tarfile.SYMTYPE, linkname='t' * 200)
    add('hard', type=tarfile.LNKTYPE, linkname='d/' + 'a' * 120)
    add('old-dir/', type=tarfile.AREGTYPE)
    add('c', type=tarfile.CHRTYPE, devmajor=4095, devminor=1048575)
    add('f', type=tarfile.FIFOTYPE, mode=0o600)
    add('empty', b'')
    if fmt == tarfile.PAX_FORMAT:
        add('ns', b'x', pax={'mtime': '1700000000.123456789'})
        add('neg', b'y', pax={'mtime': '-5.25'})
        add('xa', b'z', pax={'SCHILY.xattr.user.k': 'v=1\\n2', 'LIBARCHIVE.xattr.user.a%20b': 'AP+A'})
`

for (const format of ['gnu', 'pax'] as const) {
  t.test(`python tarfile ${format} format`, async t => {
    const tarPath = join(work, `${format}.tar`)
    execFileSync('python3', ['-c', WRITER, tarPath, format])
    const tar = new Uint8Array(readFileSync(tarPath))
    const want = pythonList(tarPath)
    for (const how of CHUNKINGS) t.same(parseTar(tar, how).map(listed).map(dropLibarchive), want, `${how} chunks`)
    const byPath = new Map(parseTar(tar, 'whole').map(p => [p.entry.path, p.entry]))
    t.equal(byPath.get('caf\u00c3\u00a9-\u00e2\u0098\u0083')?.type, 'file', 'UTF-8 name kept as bytes')
    t.equal(byPath.get('old-dir/')?.type, 'dir', "'\\0' typeflag with a trailing slash is a directory")
    if (format === 'pax') {
      t.match(byPath.get('ns'), { mtimeSec: 1700000000, mtimeNsec: 123456789 })
      t.match(byPath.get('neg'), { mtimeSec: -6, mtimeNsec: 750000000 })
      const xa = byPath.get('xa')?.xattrs
      t.same(Buffer.from(xa?.get('user.k') ?? []), Buffer.from('v=1\n2'))
      t.same(Buffer.from(xa?.get('user.a b') ?? []), Buffer.from([0x00, 0xff, 0x80]), 'LIBARCHIVE.xattr: url name, base64 value')
    }
  })
}

/** python's listing only knows SCHILY.xattr records. */
function dropLibarchive(e: Record<string, unknown>): Record<string, unknown> {
  const xattrs = { ...(e.xattrs as Record<string, string>) }
  delete xattrs['user.a b']
  return { ...e, xattrs }
}

t.test('base-256 size and ids (GNU format) stream without being stored', async t => {
  const size = 10 * 2 ** 30 + 3
  const header = execFileSync('python3', [
    '-c',
    `import sys, tarfile
ti = tarfile.TarInfo('huge'); ti.size = ${size}; ti.uid = 2**40; ti.gid = 2**33; ti.mtime = 8**12
sys.stdout.buffer.write(ti.tobuf(tarfile.GNU_FORMAT))`,
  ])
  t.equal(header.length, 512)
  t.equal(header[124], 0x80, 'size is base-256')
  const zeros = new Uint8Array(1024 * 1024)
  const trailer = new Uint8Array(512 - 3 + 1024) // padding, then the end marker
  const entries: TarEntry[] = []
  let data = 0
  const parser = new TarParser({ entry: e => void entries.push(e), data: c => void (data += c.length) })
  parser.write(header)
  for (let left = size; left > 0; left -= zeros.length) parser.write(zeros.subarray(0, Math.min(left, zeros.length)))
  parser.write(trailer)
  parser.end()
  const want = { path: 'huge', type: 'file', size, uid: 2 ** 40, gid: 2 ** 33, mtimeSec: 8 ** 12, dataOffset: 512 }
  t.match(entries, [want])
  t.equal(data, size)
  const total = 512 + size + trailer.length
  const readAt = async (pos: number, len: number) => (pos === 0 ? header.subarray(0, len) : new Uint8Array(len))
  t.match(await indexTar(readAt, total), [want], 'indexTar seeks over the data')
})
