// The differential test on a real distribution: Debian bookworm (debootstrap, ~13k entries) packed by
// umoci as 3 gzip layers, plus zstd and squashed variants (bench/corpus.sh, cached in bench/cache).
// Our unpack must equal umoci's; our EROFS image must mount to the same tree; the digest must not
// depend on the layer split or the compression; and an image re-read from its own mount gives the
// same digest.

import t from 'tap'
import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { erofsDigestOfImage, erofsFromImage } from '../../lib/pipeline/erofs.js'
import { erofsDigestOfDir } from '../../lib/pipeline/erofs-dir.js'
import { unpackImage } from '../../lib/pipeline/unpack.js'
import { openSource } from '../../lib/source/open.js'
import type { Image } from '../../lib/oci/image.js'
import { diffListings, listDir } from '../../lib/tree/listing.js'
import { fsck, withMount } from '../helpers/erofs.js'

const root = join(import.meta.dirname, '..', '..')
const cache = join(root, 'bench', 'cache')
execFileSync('bash', [join(root, 'bench', 'corpus.sh')], { stdio: ['ignore', 'ignore', 'inherit'] })

// tmpfs, as in an initramfs; falls back to the temp dir.
const work = await mkdtemp(join('/dev/shm', 'corpus-test-')).catch(() => mkdtemp(join(tmpdir(), 'corpus-test-')))
t.teardown(() => rm(work, { recursive: true, force: true }))

async function withImage<T>(file: string, fn: (image: Image) => Promise<T>): Promise<T> {
  const source = await openSource(join(cache, file))
  try {
    return await fn(await source.openImage())
  } finally {
    await source.close()
  }
}

async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256')
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer)
  return `sha256:${hash.digest('hex')}`
}

const withoutDirMtimes = (lines: string[]) => lines.map(l => (/^\S+ dir /.test(l) ? l.replace(/ mtime=\S+$/, '') : l))

const reference = join(work, 'umoci')
execFileSync('umoci', ['raw', 'unpack', '--image', `${join(cache, 'layout')}:gzip`, reference])
const want = await listDir(reference, { mtime: true })

t.test('unpack equals umoci raw unpack, for every variant', async t => {
  for (const file of ['corpus.oci', 'corpus-zstd.oci', 'corpus-squashed.oci']) {
    const dir = join(work, `ours-${file}`)
    await withImage(file, image => unpackImage(image, dir))
    const got = await listDir(dir, { mtime: true })
    t.equal(got.length, want.length, `${file}: ${got.length} entries`)
    t.equal(diffListings(withoutDirMtimes(want), withoutDirMtimes(got)), '', `${file}: same tree as umoci, file mtimes included`)
    await rm(dir, { recursive: true })
  }
})

t.test('EROFS: fsck, kernel mount equals umoci, digests agree across layer splits', async t => {
  const img = join(work, 'corpus.erofs')
  await withImage('corpus.oci', image => erofsFromImage(image, img))
  await fsck(img)
  const fileDigest = await sha256File(img)
  await withMount(img, async mnt => {
    t.equal(diffListings(await listDir(reference), await listDir(mnt)), '', 'mounted image = umoci tree (times are zero by design)')
    t.equal(await erofsDigestOfDir(mnt), fileDigest, 'digest of the mounted tree = digest of the image (a fixed point)')
  })
  for (const file of ['corpus.oci', 'corpus-zstd.oci', 'corpus-squashed.oci']) {
    t.equal(await withImage(file, image => erofsDigestOfImage(image)), fileDigest, `digest ${file} = sha256 of the written image`)
  }
  t.equal(await erofsDigestOfDir(reference), fileDigest, "digest of umoci's tree = digest of the archive")
})
