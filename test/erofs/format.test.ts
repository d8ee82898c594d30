// Struct sizes pinned to erofs_fs.h (BUILD_BUG_ON list), crc32c against the standard check value and
// against a real mkfs.erofs superblock, and the inline-tail placement rule.

import t from 'tap'
import { execFile } from 'node:child_process'
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { decode } from '../../lib/binary/struct.js'
import { crc32cUpdate, erofsSuperblockCrc } from '../../lib/erofs/crc32c.js'
import {
  EROFS_SUPER_OFFSET,
  decodeRdev,
  encodeRdev,
  erofsDirent,
  erofsInodeCompact,
  erofsInodeExtended,
  erofsSuperBlock,
  erofsXattrEntry,
  erofsXattrIbodyHeader,
  xattrIbodySize,
} from '../../lib/erofs/format.js'
import { placeRecord } from '../../lib/erofs/plan.js'
import { tempDir } from './harness.js'

t.test('on-disk struct sizes match erofs_fs.h (6.1)', async t => {
  t.equal(erofsSuperBlock.size, 128)
  t.equal(erofsInodeCompact.size, 32)
  t.equal(erofsInodeExtended.size, 64)
  t.equal(erofsDirent.size, 12)
  t.equal(erofsXattrIbodyHeader.size, 12)
  t.equal(erofsXattrEntry.size, 4)
  t.equal(erofsSuperBlock.byName.root_nid.offset, 14)
  t.equal(erofsSuperBlock.byName.feature_incompat.offset, 80)
  t.equal(erofsInodeExtended.byName.i_mtime.offset, 32)
  t.equal(erofsInodeExtended.byName.i_nlink.offset, 44)
  t.equal(xattrIbodySize(0), 0)
  t.equal(xattrIbodySize(2), 16)
})

t.test('crc32c: standard check value, and a mkfs.erofs superblock', async t => {
  // CRC-32C("123456789") = 0xe3069283 with the usual final xor; EROFS omits that xor
  t.equal((~crc32cUpdate(0xffffffff, Buffer.from('123456789')) >>> 0).toString(16), 'e3069283')
  const dir = await tempDir(t)
  await mkdir(join(dir, 'src'))
  await writeFile(join(dir, 'src', 'f'), 'x')
  await promisify(execFile)('mkfs.erofs', ['-T0', '-U', '00000000-0000-0000-0000-000000000000', join(dir, 'img'), join(dir, 'src')])
  const block = Uint8Array.from((await readFile(join(dir, 'img'))).subarray(0, 4096))
  const want = decode(erofsSuperBlock, block, EROFS_SUPER_OFFSET).checksum
  block.fill(0, EROFS_SUPER_OFFSET + 4, EROFS_SUPER_OFFSET + 8)
  t.equal(erofsSuperblockCrc(block.subarray(EROFS_SUPER_OFFSET)), want)
})

t.test('rdev encoding round-trips (new_encode_dev)', async t => {
  t.equal(encodeRdev(8, 1), 0x801)
  t.equal(encodeRdev(240, 70000), (70000 & 0xff) | (240 << 8) | ((70000 & ~0xff) << 12))
  t.strictSame(decodeRdev(encodeRdev(4095, 0xfffff)), { major: 4095, minor: 0xfffff })
})

t.test('inline tail placement: one block for inode, xattrs and tail', async t => {
  t.strictSame(placeRecord(0, 32, 100), { start: 0, inline: true })
  t.strictSame(placeRecord(33, 32, 100), { start: 64, inline: true }, 'inodes on 32-byte slots')
  // 96 bytes left: a 4000-byte tail moves the inode to the next block (wastes 96 < 96 bytes of a data block)
  t.strictSame(placeRecord(4000, 32, 4000), { start: 4096, inline: true })
  // 3000 bytes left, tail of 3500: moving wastes 3000, a data block wastes 596: store it plain
  t.strictSame(placeRecord(1096, 32, 3500), { start: 1120, inline: false })
  t.strictSame(placeRecord(0, 64, 4096 - 63), { start: 0, inline: false }, 'inode + tail above a block')
  t.strictSame(placeRecord(4064, 64, 0), { start: 4096, inline: false }, 'an extended inode never straddles')
  t.strictSame(placeRecord(100, 5000, 10), { start: 4096, inline: false }, 'huge xattrs start a block')
})
