import t from 'tap'
import { rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { FormatError, NotFoundError, UnsupportedError } from '../../lib/errors.js'
import { openSource } from '../../lib/source/open.js'
import { run, tempDir, umociImage } from './fixtures/oci.js'

const work = tempDir(t)
// umoci cannot name a layout with ':', so it is renamed afterwards.
const layout = join(work, 'my:dir')
run('mv', [umociImage(work, 'L', 'v1', [{ f: 'x\n' }]), layout])

t.test('layout forms, including a directory name with a colon', async t => {
  for (const ref of [`oci:${layout}`, `oci:${layout}:v1`, layout, `${layout}:v1`]) {
    const src = await openSource(ref)
    t.equal((await src.openImage()).layers.length, 1, ref)
    await src.close()
  }
})

t.test('unsupported and missing sources', async t => {
  await t.rejects(openSource('docker://quay.io/x/y:1'), { constructor: UnsupportedError, message: /docker:\/\/quay\.io\/x\/y:1: docker sources are not supported yet/ })
  await t.rejects(openSource('https://example.com/x.tar'), UnsupportedError)
  await t.rejects(openSource(join(work, 'none.tar')), NotFoundError)
  const notOci = join(work, 'not-oci.tar')
  run('tar', ['-C', layout, '-cf', notOci, 'index.json'])
  await t.rejects(openSource(notOci), { constructor: FormatError, message: /oci-layout: missing: not an oci archive/ })
  const dir = join(work, 'badlayout')
  run('cp', ['-a', layout, dir])
  writeFileSync(join(dir, 'oci-layout'), '{"imageLayoutVersion":"2.0.0"}')
  await t.rejects(openSource(`oci:${dir}`), { constructor: FormatError, message: /imageLayoutVersion: got "2\.0\.0", want 1\.x\.y/ })
  rmSync(join(dir, 'oci-layout'))
  await t.rejects(openSource(`oci:${dir}`), NotFoundError)
  const garbage = join(work, 'garbage.tar')
  writeFileSync(garbage, Buffer.alloc(1000, 7))
  await t.rejects(openSource(garbage), { code: 'TAR_FORMAT' })
})
