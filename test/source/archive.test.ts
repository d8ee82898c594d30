import t from 'tap'
import { readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { openSource } from '../../lib/source/open.js'
import { openArchiveStore } from '../../lib/source/archive.js'
import { DigestMismatchError, FormatError, NotFoundError, SizeMismatchError, UnsupportedError } from '../../lib/errors.js'
import { MediaType } from '../../lib/oci/types.js'
import {
  appendLayer, blobPath, collect, editImage, gnuTar, readBlob, readIndex, run, sha256, skippableFrame, skopeoCopy,
  tempDir, umociImage, writeBlob, writeIndex,
} from './fixtures/oci.js'

const work = tempDir(t)
// Two umoci images in one layout; `latest` has two gzip layers, then a zstd layer (with a skippable
// frame in front, as zstd:chunked has) and an uncompressed docker-typed layer added by hand.
const layout = umociImage(work, 'L', 'latest', [{ 'etc/hello': 'hello\n' }, { 'usr/bin/tool': '#!/bin/sh\n', 'etc/hello': 'hi\n' }])
umociImage(work, 'L', 'v2', [{ 'v2': 'two\n' }])
const zTar = gnuTar(work, 'z', { 'opt/z': 'zstd layer\n' })
appendLayer(layout, 'latest', Buffer.concat([skippableFrame(Buffer.from('toc')), run('zstd', ['-q', '-c'], { input: zTar })]), zTar, MediaType.OCI_LAYER_ZSTD)
const pTar = gnuTar(work, 'p', { 'opt/p': 'plain\n' })
appendLayer(layout, 'latest', pTar, pTar, MediaType.DOCKER_LAYER)

// skopeo writes a single-image archive; GNU tar of the layout makes a multi-image one, with `./`.
const single = join(work, 'single.tar')
skopeoCopy(`oci:${layout}:v2`, `oci-archive:${single}:v2`)
const multi = join(work, 'multi.tar')
run('tar', ['-C', layout, '-cf', multi, '.'])
t.match(run('tar', ['-tf', multi]).toString(), /^\.\/blobs\/sha256\//m, 'archive names carry ./')

t.test('listImages shows labels and media types', async t => {
  const src = await openSource(multi)
  t.teardown(() => src.close())
  const list = await src.listImages()
  t.same(list.map(e => e.label), ['latest', 'v2'])
  t.same(list.map(e => e.digest), readIndex(layout).manifests.map((d: any) => d.digest))
  t.equal(list[0]!.mediaType, MediaType.OCI_MANIFEST)
})

t.test('an explicit platform must be the image\'s own; the default (this machine) is not checked', async t => {
  const src = await openSource(`${single}:v2`)
  t.teardown(() => src.close())
  const own = (await src.openImage()).config
  const other = own.architecture === 'arm64' ? 'amd64' : 'arm64'
  t.equal((await src.openImage({ platform: { os: own.os, architecture: own.architecture } })).layers.length, 1)
  await t.rejects(src.openImage({ platform: { os: 'linux', architecture: other } }), {
    constructor: NotFoundError, message: `oci-archive:${single}:v2 is ${own.os}/${own.architecture}, not the requested linux/${other}`,
  })
})

t.test('default picks latest; labels select; layers verify and decompress byte-identically', async t => {
  const src = await openSource(multi)
  t.teardown(() => src.close())
  const img = await src.openImage()
  t.equal(img.name, 'latest')
  t.same(img.config.config?.Cmd, ['/bin/sh'])
  t.same(img.config.config?.Labels, { built: 'latest' })
  t.equal(img.layers.length, 4)
  for (const layer of img.layers) {
    const blob = readBlob(layout, layer.descriptor.digest)
    t.ok((await collect(layer.open())).equals(blob), `layer ${layer.index} compressed bytes`)
    const tar = await collect(layer.openUncompressed())
    const want = layer.descriptor.mediaType.endsWith('gzip') ? run('zcat', [], { input: blob })
      : layer.descriptor.mediaType.endsWith('zstd') ? run('zstd', ['-dc'], { input: blob }) : blob
    t.ok(tar.equals(want), `layer ${layer.index} equals the CLI's output`)
    t.equal(sha256(tar), layer.diffId)
  }
  // umoci 0.4.7 `insert` layers end without tar end blocks, so GNU tar refuses to list them.
  t.ok((await collect(img.layers[1]!.openUncompressed())).includes('usr/bin/tool'))
  const v2 = await src.openImage({ label: 'v2' })
  t.equal(v2.layers.length, 1)
  await t.rejects(src.openImage({ label: 'v3' }), { constructor: NotFoundError, code: 'NOT_FOUND', message: /no image labelled "v3"; labels present: latest, v2$/ })
})

t.test('skopeo single-image archive: the only image, label in the SOURCE string', async t => {
  for (const ref of [single, `${single}:v2`, `oci-archive:${single}:v2`]) {
    const src = await openSource(ref)
    const img = await src.openImage()
    t.equal(img.layers.length, 1, ref)
    t.equal(src.label, ref === single ? undefined : 'v2')
    await src.close()
  }
})

t.test('several images and none labelled latest: error lists the labels', async t => {
  const dir = join(work, 'nolatest')
  run('cp', ['-a', layout, dir])
  const index = readIndex(dir)
  index.manifests[0].annotations['org.opencontainers.image.ref.name'] = 'docker.io/library/app:1'
  writeIndex(dir, index)
  const src = await openSource(`oci:${dir}`)
  t.teardown(() => src.close())
  await t.rejects(src.openImage(), { constructor: NotFoundError, message: /holds 2 images and none is labelled latest; pick one of: docker\.io\/library\/app:1, v2$/ })
  await t.rejects(src.openImage({ label: 'app:1' }), NotFoundError)
  t.equal((await src.openImage({ label: 'app:1', normalizeLabel: true })).layers.length, 4)
  t.equal((await src.openImage({ label: 'library/app:1', normalizeLabel: true })).name, 'library/app:1')
})

t.test('compressed archives are read through a temporary file removed on close', async t => {
  for (const [ext, cmd] of [['gz', 'gzip'], ['zst', 'zstd']] as const) {
    const file = join(work, `multi.oci.${ext}`)
    writeFileSync(file, run(cmd, ['-c'], { input: readFileSync(multi) }))
    const tmp = tempDir(t)
    const src = await openSource(`${file}:v2`, { tmpDir: tmp })
    t.equal(run('ls', [tmp]).toString().trim().split('\n').length, 1, `${ext}: one temp dir while open`)
    t.equal((await src.openImage()).layers.length, 1)
    await src.close()
    t.equal(run('ls', [tmp]).toString(), '', `${ext}: removed on close`)
  }
})

/** A copy of the layout edited by `edit`, then tarred. */
function variant(name: string, edit: (dir: string) => void): string {
  const dir = join(work, name)
  run('cp', ['-a', layout, dir])
  edit(dir)
  const file = join(work, `${name}.tar`)
  run('tar', ['-C', dir, '-cf', file, '.'])
  return file
}

async function firstFailure(file: string, label = 'latest'): Promise<unknown> {
  const src = await openSource(file)
  try {
    const img = await src.openImage({ label })
    for (const layer of img.layers) await collect(layer.openUncompressed())
    return undefined
  } catch (err) {
    return err
  } finally {
    await src.close()
  }
}

t.test('a file that is not an archive: the outer tar error names it', async t => {
  const cut = join(work, 'cut.oci')
  writeFileSync(cut, readFileSync(single).subarray(0, 1))
  await t.rejects(openSource(cut), { code: 'TAR_FORMAT', message: `oci-archive:${cut}: truncated tar header at offset 1` })
  const junk = join(work, 'junk.oci')
  writeFileSync(junk, Buffer.alloc(1024, 'x'))
  await t.rejects(openSource(junk), { code: 'TAR_FORMAT', message: new RegExp(`^oci-archive:${junk}: tar header at offset 0: chksum: `) })
  // A read that fails on the descriptor (EISDIR here; ESPIPE, EIO elsewhere) carries no path of its own.
  await t.rejects(openArchiveStore(work), { code: 'IO', message: `oci-archive:${work}: read: EISDIR` })
})

t.test('integrity faults: each names its cause', async t => {
  const firstLayer = () => JSON.parse(readBlob(layout, readIndex(layout).manifests[0].digest).toString()).layers[0]
  const l0 = firstLayer()
  // Flip a byte inside the blob inside the archive itself.
  const flipped = join(work, 'flipped.tar')
  const bytes = readFileSync(multi)
  const at = bytes.indexOf(readBlob(layout, l0.digest))
  bytes[at + 20]! ^= 0x01
  writeFileSync(flipped, bytes)
  t.match(await firstFailure(flipped), { constructor: DigestMismatchError, code: 'DIGEST_MISMATCH', message: new RegExp(`^layer 1/4 ${l0.digest.slice(0, 19)}: digest mismatch: got sha256:[0-9a-f]{64}, want ${l0.digest}$`) })

  const truncated = variant('truncated', dir => writeFileSync(blobPath(dir, l0.digest), readBlob(dir, l0.digest).subarray(0, 50)))
  t.match(await firstFailure(truncated), { constructor: SizeMismatchError, code: 'SIZE_MISMATCH', message: new RegExp(`layer 1/4 .*: size mismatch: got 50, want ${l0.size}$`) })

  const missing = variant('missing', dir => rmSync(blobPath(dir, l0.digest)))
  t.match(await firstFailure(missing), { constructor: NotFoundError, code: 'MISSING_BLOB', message: new RegExp(`blob ${l0.digest} not found`) })

  const badDiff = variant('baddiff', dir => editImage(dir, 'latest', (_m, c) => { c.rootfs.diff_ids[0] = `sha256:${'0'.repeat(64)}` }))
  t.match(await firstFailure(badDiff), { constructor: DigestMismatchError, message: /^layer 1\/4 .*: uncompressed: digest mismatch: got sha256:\w+, want sha256:0{64}$/ })

  const badJson = variant('badjson', dir => editImage(dir, 'latest', () => ({ config: '{"architecture": "amd64",' })))
  t.match(await firstFailure(badJson), { constructor: FormatError, code: 'INVALID_JSON', message: /: config sha256:\w+: not valid json/ })

  const schema1 = variant('schema1', dir => editImage(dir, 'latest', () => ({ manifest: JSON.stringify({ schemaVersion: 1, name: 'x', tag: 'latest', fsLayers: [] }) })))
  t.match(await firstFailure(schema1), { constructor: UnsupportedError, code: 'UNSUPPORTED', message: /schema1/ })

  const encrypted = variant('encrypted', dir => editImage(dir, 'latest', m => { m.layers[0].mediaType += '+encrypted' }))
  t.match(await firstFailure(encrypted), { constructor: UnsupportedError, code: 'UNSUPPORTED_MEDIA_TYPE', message: /layers\[0\]\.mediaType: .*\+encrypted: encrypted layers are not supported/ })

  const mismatch = variant('mismatch', dir => editImage(dir, 'latest', m => { m.mediaType = MediaType.DOCKER_MANIFEST }))
  t.match(await firstFailure(mismatch), { constructor: FormatError, code: 'INVALID_JSON', message: /mediaType: got application\/vnd\.docker\.distribution\.manifest\.v2\+json, want application\/vnd\.oci\.image\.manifest\.v1\+json as the descriptor says/ })

  const corruptGz = variant('corruptgz', dir => {
    const blob = Buffer.from(readBlob(dir, l0.digest))
    blob[30]! ^= 0xff
    const { digest, size } = writeBlob(dir, blob)
    editImage(dir, 'latest', m => { m.layers[0] = { ...m.layers[0], digest, size } })
  })
  t.match(await firstFailure(corruptGz), { code: 'DECOMPRESS', message: /^layer 1\/4 .*: gzip: / })

  const traversal = variant('traversal', dir => {
    const index = readIndex(dir)
    index.manifests[0].digest = 'sha256:../../../../etc/passwd'
    writeIndex(dir, index)
  })
  t.match(await firstFailure(traversal), { constructor: FormatError, code: 'INVALID_JSON', message: /manifests\[0\]\.digest: malformed digest/ })
})
