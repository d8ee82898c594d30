import t from 'tap'
import { execFileSync } from 'node:child_process'
import { rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { FormatError, NetworkError, NotFoundError } from '../../lib/errors.js'
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

t.test('network sources dispatch to the http and registry clients', async t => {
  // Port 1 on loopback refuses connections: the error must come from the network code.
  const net = { retry: { retries: 0 } }
  await t.rejects(openSource('http://127.0.0.1:1/x.oci', net), { constructor: NetworkError, message: /127\.0\.0\.1:1/ })
  await t.rejects(openSource('docker://127.0.0.1:1/x/y:1', { ...net, insecure: true, authFiles: false }), NetworkError)
})

t.test('missing and malformed sources', async t => {
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

t.test('a fifo or device given as an archive is refused by name instead of blocking', async t => {
  const fifo = join(work, 'archive.fifo')
  execFileSync('mkfifo', [fifo])
  await t.rejects(openSource(fifo), { code: 'USAGE', message: `oci-archive:${fifo}: not a regular file` })
  await t.rejects(openSource('/dev/null'), { code: 'USAGE', message: 'oci-archive:/dev/null: not a regular file' })
})
