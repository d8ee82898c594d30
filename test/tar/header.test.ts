// The header table, checksums (unsigned and signed) and magic detection, on headers python writes.
import t from 'tap'
import { BLOCK_SIZE, decodeHeader, TAR_HEADER } from '../../lib/tar/header.js'
import { craft } from './fixtures/helpers.js'

const F = TAR_HEADER.byName

function setChecksum(block: Uint8Array, signed: boolean): void {
  block.fill(0x20, F.chksum.offset, F.chksum.offset + F.chksum.size)
  let sum = 0
  for (const b of block) sum += signed && b >= 0x80 ? b - 0x100 : b
  block.set(Buffer.from(`${sum.toString(8).padStart(6, '0')}\0 `), F.chksum.offset)
}

t.test('the field table matches POSIX offsets', async t => {
  t.equal(TAR_HEADER.size, 512)
  const at = Object.fromEntries(TAR_HEADER.fields.map(f => [f.name, [f.offset, f.size]]))
  t.same(at, {
    name: [0, 100], mode: [100, 8], uid: [108, 8], gid: [116, 8], size: [124, 12], mtime: [136, 12],
    chksum: [148, 8], typeflag: [156, 1], linkname: [157, 100], magic: [257, 6], version: [263, 2],
    uname: [265, 32], gname: [297, 32], devmajor: [329, 8], devminor: [337, 8], prefix: [345, 155],
    pad: [500, 12],
  })
})

t.test('unsigned and signed checksums are accepted, others refused', async t => {
  const block = craft([{ name: 'caf\u00e9\u00ff' }], false).slice(0, BLOCK_SIZE)
  t.equal(decodeHeader(block, 0)?.name, 'caf\u00c3\u00a9\u00c3\u00bf', 'python checksum (unsigned)')
  setChecksum(block, true)
  t.equal(decodeHeader(block, 0)?.name, 'caf\u00c3\u00a9\u00c3\u00bf', 'signed checksum')
  block[0] = block[0]! ^ 1
  t.throws(() => decodeHeader(block, 1024), { code: 'TAR_FORMAT', message: /^tar header at offset 1024: checksum mismatch: got \d+, want \d+$/ })
})

t.test('the prefix field applies to ustar magic only', async t => {
  const name = `${'p'.repeat(120)}/${'n'.repeat(20)}`
  const block = craft([{ name, format: 'ustar' }], false).slice(0, BLOCK_SIZE)
  t.match(decodeHeader(block, 0), { format: 'ustar', name })
  block.set(Buffer.from('ustar  \0'), F.magic.offset) // GNU magic + version
  setChecksum(block, false)
  t.match(decodeHeader(block, 0), { format: 'gnu', name: 'n'.repeat(20) })
  block.fill(0, F.magic.offset, F.magic.offset + 8) // v7: no magic
  setChecksum(block, false)
  t.match(decodeHeader(block, 0), { format: 'v7', name: 'n'.repeat(20) })
})

t.test('bad numbers are TAR_FORMAT errors naming the field', async t => {
  const block = craft([{ name: 'x' }], false).slice(0, BLOCK_SIZE)
  block.set(Buffer.from('12x4'), F.size.offset)
  setChecksum(block, false)
  t.throws(() => decodeHeader(block, 0), { code: 'TAR_FORMAT', message: /^tar header at offset 0: size: / })
  t.equal(decodeHeader(new Uint8Array(BLOCK_SIZE), 0), null, 'a zero block is the end marker')
})
