// Staging writes during unpack: a failing system call names the layer entry being unpacked, not the
// internal staging file (a real ENOSPC from a tmpfs too small for the image).

import t from 'tap'
import { execFileSync } from 'node:child_process'
import { mkdirSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { unpackImage } from '../../lib/pipeline/unpack.js'
import { Stager } from '../../lib/pipeline/stage.js'
import { openSource } from '../../lib/source/open.js'
import type { TarEntry } from '../../lib/tar/entry.js'
import { tempDir, umociImage } from '../source/fixtures/oci.js'

const work = tempDir(t)

t.test('ENOSPC while staging names the entry', { skip: process.getuid?.() !== 0 && 'mounting a tmpfs needs root' }, async t => {
  const layout = umociImage(work, 'L', 'big', [{ 'etc/small': 'x\n', 'usr/lib/big': 'y'.repeat(256 * 1024) }])
  const target = join(work, 'mnt')
  mkdirSync(target)
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', target])
  t.teardown(() => execFileSync('umount', [target]))
  const src = await openSource(`oci:${layout}:big`)
  t.teardown(() => src.close())
  await t.rejects(unpackImage(await src.openImage(), join(target, 'root')), {
    code: 'IO', message: /^layer 1\/1 sha256:[0-9a-f]{12}: unpacking "usr\/lib\/big": write: ENOSPC$/,
  })
  t.same(readdirSync(target), ['root'], 'nothing but the (emptied) target left')
  t.same(readdirSync(join(target, 'root')), [])
})

t.test('a staging file that cannot be created names the entry too', async t => {
  const stager = new Stager(join(work, 'no-such-dir'))
  t.throws(() => stager.contentOf({ path: './etc/x', size: 1 } as TarEntry), { code: 'IO', message: 'unpacking "./etc/x": open: ENOENT' })
})
