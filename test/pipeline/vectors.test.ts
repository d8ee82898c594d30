// Every vector of test/vectors (built by umoci, skopeo, GNU tar and python, never by us) through
// the whole pipeline: trees compared whole with umoci's unpack of the same archive (made in this
// run), EROFS images checked by fsck.erofs and the kernel mount; bad input fails with its cause.

import t from 'tap'
import { createHash } from 'node:crypto'
import { readFile, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { BootcLiveError } from '../../lib/errors.js'
import { parsePlatform } from '../../lib/oci/platform.js'
import { erofsDigestOfImage, erofsFromImage } from '../../lib/pipeline/erofs.js'
import { unpackImage } from '../../lib/pipeline/unpack.js'
import { openSource } from '../../lib/source/open.js'
import { diffListings, listDir } from '../../lib/tree/listing.js'
import type { Image } from '../../lib/oci/image.js'
import { fsck, withMount } from '../helpers/erofs.js'
import { cleanupUmoci, umociRootfs } from '../helpers/umoci.js'

interface Vector {
  name: string
  file: string
  label?: string
  platform?: string
  description: string
  expect: 'tree' | { error: string; message: string }
  sameTreeAs?: string
}

const vectorsDir = join(import.meta.dirname, '..', 'vectors')
const vectors = JSON.parse(await readFile(join(vectorsDir, 'vectors.json'), 'utf8')) as Vector[]
const byName = new Map(vectors.map(v => [v.name, v]))
const work = await mkdtemp(join(tmpdir(), 'vectors-'))
t.teardown(async () => {
  await rm(work, { recursive: true, force: true })
  await cleanupUmoci()
})

async function withVectorImage<T>(v: Vector, fn: (image: Image) => Promise<T>): Promise<T> {
  const source = await openSource(join(vectorsDir, v.file))
  try {
    const image = await source.openImage({
      ...(v.label !== undefined ? { label: v.label } : {}),
      ...(v.platform ? { platform: parsePlatform(v.platform) } : {}),
    })
    return await fn(image)
  } finally {
    await source.close()
  }
}

/** The listing umoci gives for this vector (or for the vector it shares a tree with). */
async function referenceListing(v: Vector, mtime: boolean): Promise<string[]> {
  const ref = v.sameTreeAs ? byName.get(v.sameTreeAs)! : v
  return listDir(await umociRootfs(join(vectorsDir, ref.file), ref.label), { mtime })
}

const withoutDirMtimes = (lines: string[]) => lines.map(l => (/^\S+ dir /.test(l) ? l.replace(/ mtime=\S+$/, '') : l))

const sha256 = async (path: string) => `sha256:${createHash('sha256').update(await readFile(path)).digest('hex')}`

for (const v of vectors) {
  t.test(`${v.name}: ${v.description}`, async t => {
    const dir = join(work, `${v.name}.d`)
    const img = join(work, `${v.name}.erofs`)
    if (v.expect === 'tree') {
      await withVectorImage(v, image => unpackImage(image, dir))
      // umoci sets a directory's mtime before writing into it (and gives implicit parents the
      // time of the unpack), so directory mtimes are compared only in our own tests.
      const want = withoutDirMtimes(await referenceListing(v, true))
      const got = withoutDirMtimes(await listDir(dir, { mtime: true }))
      t.equal(diffListings(want, got), '', 'unpack equals umoci unpack, file mtimes included')

      const digest = await withVectorImage(v, async image => {
        await erofsFromImage(image, img)
        return erofsDigestOfImage(image)
      })
      await fsck(img)
      t.equal(digest, await sha256(img), 'digest equals the sha256 of the written image')
      const mounted = await withMount(img, mnt => listDir(mnt))
      t.equal(diffListings(await referenceListing(v, false), mounted), '', 'the kernel mounts our EROFS image as umoci unpacks the archive')
      await rm(dir, { recursive: true })
      await rm(img)
    } else {
      const want = v.expect
      const err = await withVectorImage(v, image => unpackImage(image, dir)).then(
        () => null,
        (e: unknown) => e,
      )
      t.type(err, BootcLiveError, `fails with a library error: ${String(err)}`)
      t.equal((err as BootcLiveError).code, want.error, 'error code')
      t.match((err as Error).message, want.message, 'message names the cause')
      t.notMatch((err as Error).message, /\n/, 'one line')
    }
  })
}
