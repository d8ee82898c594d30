import t from 'tap'
import { NotFoundError, UnsupportedError } from '../../lib/errors.js'
import { parsePlatform } from '../../lib/oci/platform.js'
import { selectByLabel, selectPlatform } from '../../lib/oci/select.js'
import { MediaType, type Descriptor, type ImageIndex } from '../../lib/oci/types.js'
import { openSource } from '../../lib/source/open.js'
import { readIndex, tempDir, umociImage, writeBlob, writeIndex } from '../source/fixtures/oci.js'

const REF = 'org.opencontainers.image.ref.name'
const desc = (c: string, extra: Partial<Descriptor> = {}): Descriptor => ({ mediaType: MediaType.OCI_MANIFEST, digest: `sha256:${c.repeat(64)}`, size: 1, ...extra })
const labelled = (c: string, label: string) => desc(c, { annotations: { [REF]: label } })

t.test('label rules', async t => {
  const idx = (...m: Descriptor[]): ImageIndex => ({ schemaVersion: 2, manifests: m })
  t.equal(selectByLabel(idx(desc('a')), undefined, false, 'S').digest, desc('a').digest, 'the only image, even unlabelled')
  t.equal(selectByLabel(idx(labelled('a', 'x'), labelled('b', 'latest')), undefined, false, 'S').digest, desc('b').digest)
  t.equal(selectByLabel(idx(labelled('a', 'x'), labelled('b', 'x')), 'x', false, 'S').digest, desc('a').digest, 'first match wins')
  t.throws(() => selectByLabel(idx(labelled('a', 'x'), desc('b')), undefined, false, 'S'), { constructor: NotFoundError, message: /pick one of: x, \(unlabelled sha256:bbbbbbbbbbbb\)$/ })
  t.throws(() => selectByLabel(idx(), undefined, false, 'S'), { message: 'S: index.json lists no images' })
  const containerd = desc('c', { annotations: { 'io.containerd.image.name': 'docker.io/library/app:2', [REF]: '2' } })
  t.equal(selectByLabel(idx(labelled('a', 'x'), containerd), 'app:2', true, 'S').digest, containerd.digest)
  t.throws(() => selectByLabel(idx(labelled('a', 'x'), containerd), 'app:2', false, 'S'), NotFoundError)
})

t.test('platform rules', async t => {
  const p = parsePlatform
  const idx: ImageIndex = {
    schemaVersion: 2,
    manifests: [
      desc('1', { platform: { os: 'unknown', architecture: 'unknown' } }),
      desc('2', { platform: p('linux/arm/v6') }),
      desc('3', { platform: p('linux/arm/v7') }),
      desc('4'),
      desc('5', { platform: p('linux/arm/v7') }),
    ],
  }
  t.equal(selectPlatform(idx, p('linux/arm/v7'), 'I').digest, desc('3').digest, 'first match wins')
  t.equal(selectPlatform(idx, p('linux/arm'), 'I').digest, desc('2').digest, 'no variant asked: any')
  t.equal(selectPlatform(idx, p('linux/s390x'), 'I').digest, desc('4').digest, 'no platform: last resort')
  t.throws(() => selectPlatform({ schemaVersion: 2, manifests: idx.manifests.filter(d => d.platform) }, p('linux/s390x'), 'I'), {
    constructor: NotFoundError, message: 'I: no image for platform linux/s390x; platforms present: unknown/unknown, linux/arm/v6, linux/arm/v7, linux/arm/v7',
  })
})

t.test('image index in a layout: platform choice, nested indexes, depth bound', async t => {
  const work = tempDir(t)
  const layout = umociImage(work, 'L', 'amd', [{ 'arch': 'amd64\n' }])
  umociImage(work, 'L', 'arm', [{ 'arch': 'arm64\n' }, { 'more': 'x\n' }])
  const byTag = Object.fromEntries(readIndex(layout).manifests.map((d: any) => [d.annotations[REF], d]))
  const entry = (tag: string, platform: string) => {
    const [os, architecture, variant] = platform.split('/')
    return { ...byTag[tag], annotations: undefined, platform: { os, architecture, ...(variant ? { variant } : {}) } }
  }
  const indexBlob = (manifests: unknown[]) => writeBlob(layout, JSON.stringify({ schemaVersion: 2, mediaType: MediaType.OCI_INDEX, manifests }))
  const multi = indexBlob([entry('amd', 'linux/amd64'), entry('arm', 'linux/arm64/v8')])
  const nested = indexBlob([{ mediaType: MediaType.OCI_INDEX, ...multi }])
  let deep = nested
  for (let i = 0; i < 5; i++) deep = indexBlob([{ mediaType: MediaType.OCI_INDEX, ...deep }])
  const top = (label: string, b: { digest: string; size: number }) => ({ mediaType: MediaType.OCI_INDEX, ...b, annotations: { [REF]: label } })
  writeIndex(layout, { schemaVersion: 2, manifests: [...readIndex(layout).manifests, top('multi', multi), top('nested', nested), top('deep', deep)] })

  const src = await openSource(`oci:${layout}`)
  t.teardown(() => src.close())
  for (const label of ['multi', 'nested']) {
    t.equal((await src.openImage({ label, platform: parsePlatform('linux/amd64') })).manifestDigest, byTag.amd.digest, `${label} amd64`)
    t.equal((await src.openImage({ label, platform: parsePlatform('linux/arm64') })).layers.length, 2, `${label} arm64`)
    await t.rejects(src.openImage({ label, platform: parsePlatform('linux/riscv64') }), { constructor: NotFoundError, message: /no image for platform linux\/riscv64; platforms present: linux\/amd64, linux\/arm64\/v8/ })
  }
  await t.rejects(src.openImage({ label: 'deep' }), { constructor: UnsupportedError, message: /nested deeper than 4/ })
  const list = await src.listImages()
  t.same(list.find(e => e.label === 'nested')!.platforms, [parsePlatform('linux/amd64'), parsePlatform('linux/arm64/v8')])
})
