// docker:// against Debian's docker-registry on 127.0.0.1 (images pushed by skopeo), through a
// fault-injecting proxy, and pullToArchive checked by skopeo reading the archive back.

import { execFile } from 'node:child_process'
import { createHash, randomBytes } from 'node:crypto'
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import t from 'tap'
import { NetworkError } from '../../lib/errors.js'
import { openRegistry } from '../../lib/source/registry/store.js'
import { openSource } from '../../lib/source/open.js'
import { erofsDigestOfImage } from '../../lib/pipeline/erofs.js'
import { pullToArchive } from '../../lib/source/registry/pull.js'
import type { ProgressEvent } from '../../lib/progress.js'
import { buildImage, layoutOf } from '../helpers/servers/images.js'
import { pushImage, startRegistry } from '../helpers/servers/registry.js'
import { startFaultProxy, type Fault } from '../helpers/servers/fault-proxy.js'

const run = promisify(execFile)
const FAST = { retries: 3, baseDelayMs: 1, maxDelayMs: 5 }
const OPTS = { insecure: true, authFiles: false as const, retry: FAST }

const sha256 = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`
async function readAll(src: AsyncIterable<Buffer>): Promise<Buffer> {
  const chunks: Buffer[] = []
  for await (const c of src) chunks.push(c)
  return Buffer.concat(chunks)
}

const work = await mkdtemp(join(tmpdir(), 'bootc-live-registry-test-'))
const registry = await startRegistry()
t.teardown(async () => {
  await registry.stop()
  await rm(work, { recursive: true, force: true })
})
await buildImage(work, 'v1', [{ 'etc/hello': 'hello\n' }, { 'usr/lib/blob': randomBytes(300_000) }])
await pushImage(layoutOf(work), 'v1', `${registry.host}/test/img:v1`)
const REF = `${registry.host}/test/img:v1`

/** What skopeo sees in the registry: the manifest bytes and its layer digests. */
const raw = (await run('skopeo', ['inspect', '--raw', '--tls-verify=false', `docker://${REF}`], { encoding: 'buffer' })).stdout
const MANIFEST = JSON.parse(raw.toString()) as { layers: Array<{ digest: string; size: number }>; config: { digest: string } }
const MANIFEST_DIGEST = sha256(raw)
const BIG_LAYER = MANIFEST.layers[1]!.digest

/** Layer bytes as the registry stores them (skopeo copied the layout's blobs unchanged). */
async function layoutBlob(digest: string): Promise<Buffer> {
  return readFile(join(layoutOf(work), 'blobs', 'sha256', digest.slice('sha256:'.length)))
}

t.test('docker:// lists the one reference and streams verified layers', async t => {
  const src = await openRegistry(`docker://${REF}`, OPTS)
  t.teardown(() => src.close())
  const [entry, ...rest] = await src.listImages()
  t.same(rest, [])
  t.match(entry, { label: REF, digest: MANIFEST_DIGEST, size: raw.length, mediaType: 'application/vnd.oci.image.manifest.v1+json' })
  const events: ProgressEvent[] = []
  const img = await (await openRegistry(REF, { ...OPTS, onProgress: e => events.push(e) })).openImage()
  t.equal(img.manifestDigest, MANIFEST_DIGEST)
  t.equal(img.layers.length, 2)
  for (const layer of img.layers) {
    const bytes = await readAll(layer.open())
    t.equal(sha256(bytes), layer.descriptor.digest)
    t.same(bytes, await layoutBlob(layer.descriptor.digest), `layer ${layer.index} equals the pushed blob`)
    t.equal(sha256(await readAll(layer.openUncompressed())), layer.diffId, 'uncompressed matches the diffId')
  }
  const last = events.filter(e => e.done)
  t.same(last.map(e => [e.phase, e.layer, e.layers, e.bytes]), [
    ['download', 1, 2, MANIFEST.layers[0]!.size], ['download', 1, 2, MANIFEST.layers[0]!.size],
    ['download', 2, 2, MANIFEST.layers[1]!.size], ['download', 2, 2, MANIFEST.layers[1]!.size],
  ], 'one final progress event per layer stream')
})

t.test('a pinned digest is used and verified; an unknown tag is a permanent 404', async t => {
  const pinned = await openRegistry(`${registry.host}/test/img@${MANIFEST_DIGEST}`, OPTS)
  t.equal((await pinned.openImage()).manifestDigest, MANIFEST_DIGEST)
  const missing = await openRegistry(`${registry.host}/test/img:nope`, OPTS)
  const err = (await missing.openImage().catch((e: unknown) => e)) as NetworkError
  t.match(err, { name: 'NetworkError', status: 404, temporary: false, code: 'REGISTRY' })
  t.match(err.message, /^docker:\/\/127\.0\.0\.1:\d+\/test\/img: manifest nope: 404 not found: MANIFEST_UNKNOWN/)
  const unknownRepo = await openRegistry(`${registry.host}/other/img:v1`, OPTS)
  await t.rejects(unknownRepo.openImage(), { status: 404, message: /other\/img: manifest v1: 404 not found: (MANIFEST|NAME)_UNKNOWN/ })
})

t.test('without insecure, a plain-http registry is refused', async t => {
  await t.rejects(openRegistry(REF, { authFiles: false, retry: FAST }), {
    name: 'NetworkError', temporary: false,
    message: /^ping https:\/\/127\.0\.0\.1:\d+: GET https:\/\/127\.0\.0\.1:\d+\/v2\/: .*EPROTO.*\(a plain-http registry needs the insecure option\)$/,
  })
  // Nothing listening, or no such host: plain http would not help, so no such hint.
  for (const ref of ['127.0.0.1:1/x:1', 'no-such-host.invalid/x:1']) {
    const err = (await openRegistry(ref, { authFiles: false, retry: FAST }).catch((e: unknown) => e)) as NetworkError
    t.match(err, { name: 'NetworkError', message: /^ping https:\/\/.*(ECONNREFUSED|ENOTFOUND|EAI_AGAIN)/ }, ref)
    t.notMatch(err.message, /insecure/, `${ref}: ${err.message}`)
  }
})

t.test('pullToArchive writes an oci-archive skopeo reads back blob for blob', async t => {
  const out = join(work, 'pulled.tar')
  const res = await pullToArchive(REF, out, { ...OPTS, label: 'mylabel' })
  t.same(res, { manifestDigest: MANIFEST_DIGEST, label: 'mylabel' })
  const inspect = JSON.parse((await run('skopeo', ['inspect', `oci-archive:${out}`])).stdout) as { Digest: string; Layers: string[] }
  t.equal(inspect.Digest, MANIFEST_DIGEST)
  t.same(inspect.Layers, MANIFEST.layers.map(l => l.digest))
  const copy = join(work, 'copy')
  await run('skopeo', ['copy', '--quiet', `oci-archive:${out}:mylabel`, `oci:${copy}:x`])
  for (const d of [MANIFEST_DIGEST, MANIFEST.config.digest, ...MANIFEST.layers.map(l => l.digest)]) {
    const file = join(copy, 'blobs', 'sha256', d.slice(7))
    t.equal(sha256(await readFile(file)), d, `blob ${d.slice(0, 19)} copied intact`)
  }
  t.same((await readdir(work)).filter(n => n.includes('.tmp')), [], 'no temporary file left')
})

t.test('pullToArchive leaves nothing at the target when a layer is corrupt', async t => {
  const proxy = await startFaultProxy(registry.url, [{ kind: 'corrupt', match: new RegExp(`GET .*/blobs/${BIG_LAYER}`), times: 100 }])
  t.teardown(() => proxy.stop())
  const out = join(work, 'corrupt.tar')
  await t.rejects(pullToArchive(`127.0.0.1:${proxy.port}/test/img:v1`, out, OPTS), {
    code: 'DIGEST_MISMATCH', message: new RegExp(`layer 2/2 ${BIG_LAYER.slice(0, 19)}: digest mismatch: got sha256:`),
  })
  await t.rejects(stat(out), { code: 'ENOENT' })
  t.same((await readdir(work)).filter(n => n.includes('.tmp')), [])
})

t.test('keepBlobs: an EROFS digest downloads each blob once and leaves no file behind', async t => {
  // A test vector (valid tars: umoci insert writes layers without the tar trailer, which tar refuses).
  const vector = new URL('../vectors/out/hardlink-lower.oci', import.meta.url).pathname
  await run('skopeo', ['copy', '--quiet', '--dest-tls-verify=false', `oci-archive:${vector}`, `docker://${registry.host}/test/vec:v1`],
    { env: { ...process.env, REGISTRY_AUTH_FILE: '/nonexistent' } })
  const proxy = await startFaultProxy(registry.url, [])
  t.teardown(() => proxy.stop())
  const digestOf = async (ref: string, opts = {}) => {
    const src = await openSource(ref, opts)
    try {
      return await erofsDigestOfImage(await src.openImage())
    } finally {
      await src.close()
    }
  }
  const blobGets = () => proxy.seen.filter(s => /^GET .*\/blobs\//.test(s)).sort()
  const tmpDir = await mkdtemp(join(work, 'keep-'))
  const ref = `docker://127.0.0.1:${proxy.port}/test/vec:v1`
  const kept = await digestOf(ref, { ...OPTS, keepBlobs: true, tmpDir })
  const once = blobGets()
  t.equal(once.length, 3, 'config and two layers')
  t.equal(new Set(once).size, 3, 'each blob downloaded once although both passes read the layers')
  t.same(await readdir(tmpDir), [], 'the kept blobs are deleted on close')
  proxy.seen.length = 0
  t.equal(await digestOf(ref, { ...OPTS, tmpDir }), kept, 'same image as reading the registry twice')
  t.ok(blobGets().length > 3, 'without it the second pass downloads layers again')
  t.equal(await digestOf(vector), kept, 'same image as from the archive')
})

t.test('keepBlobs: a blob read only in part is not kept, and a changed kept file fails its digest', async t => {
  const tmpDir = await mkdtemp(join(work, 'keep-'))
  const src = await openSource(`docker://${REF}`, { ...OPTS, keepBlobs: true, tmpDir })
  t.teardown(() => src.close())
  const layer = (await src.openImage()).layers[1]!
  const [dir] = await readdir(tmpDir) // the manifest and config are kept already
  const files = async () => readdir(join(tmpDir, dir!))
  const before = await files()
  for await (const _ of layer.open()) break // stopped early: nothing kept
  t.same(await files(), before, 'the partial file is removed')
  t.equal(sha256(await readAll(layer.open())), BIG_LAYER, 'read in full (and kept)')
  const kept = (await files()).filter(f => !before.includes(f))
  t.equal(kept.length, 1)
  const file = join(tmpDir, dir!, kept[0]!)
  const bytes = await readFile(file)
  bytes[100]! ^= 1
  await writeFile(file, bytes)
  await t.rejects(readAll(layer.open()), { code: 'DIGEST_MISMATCH' }, 'the kept copy is verified on every read')
})

/** Opens the image through a proxy with `faults` and returns the big layer's bytes (or throws). */
async function bigLayerThrough(faults: Fault[], retry = FAST) {
  const proxy = await startFaultProxy(registry.url, faults)
  try {
    const src = await openRegistry(`127.0.0.1:${proxy.port}/test/img:v1`, { ...OPTS, retry })
    const img = await src.openImage()
    const bytes = await readAll(img.layers[1]!.open())
    return { bytes, fired: proxy.fired, seen: proxy.seen }
  } finally {
    await proxy.stop()
  }
}

const BLOB_GET = new RegExp(`^GET .*/blobs/${BIG_LAYER}`)

t.test('transient faults end in the right bytes', async t => {
  const want = await layoutBlob(BIG_LAYER)
  const cases: Array<[string, Fault[]]> = [
    ['connection reset mid-blob', [{ kind: 'reset', match: BLOB_GET }]],
    ['truncated body', [{ kind: 'truncate', match: BLOB_GET }]],
    ['500 then success', [{ kind: 'status', status: 500, match: BLOB_GET, times: 2 }]],
    ['429 with retry-after then success', [{ kind: 'status', status: 429, retryAfter: '0', match: BLOB_GET }]],
    ['503 on the manifest', [{ kind: 'status', status: 503, match: /^GET .*\/manifests\/v1/ }]],
    ['slow trickle', [{ kind: 'trickle', chunkBytes: 65536, delayMs: 5, match: BLOB_GET }]],
  ]
  for (const [name, faults] of cases) {
    const { bytes, fired } = await bigLayerThrough(faults)
    t.equal(fired.length, faults.reduce((n, f) => n + (f.times ?? 1), 0), `${name}: fault fired`)
    t.ok(bytes.equals(want), `${name}: layer bytes correct`)
  }
})

t.test('a broken blob download resumes with Range from where it stopped', async t => {
  const { seen } = await bigLayerThrough([{ kind: 'reset', match: BLOB_GET }])
  const gets = seen.filter(s => BLOB_GET.test(s))
  t.equal(gets.length, 2)
  t.match(gets[0], /range=$/)
  t.match(gets[1], /range=bytes=[1-9]\d*-$/, 'second request asks for the rest only')
})

t.test('permanent and persistent faults fail clearly and boundedly', async t => {
  await t.rejects(bigLayerThrough([{ kind: 'corrupt', match: BLOB_GET, times: 100 }]), {
    name: 'DigestMismatchError', message: /layer 2\/2 sha256:[0-9a-f]{12}: digest mismatch: got sha256:[0-9a-f]{64}, want sha256:/,
  })
  let seenCount = 0
  const err = await bigLayerThrough([{ kind: 'status', status: 500, match: BLOB_GET, times: 100 }], { ...FAST, retries: 2 })
    .catch((e: NetworkError) => e)
  t.match(err, { name: 'NetworkError', temporary: false, status: 500, message: /blob sha256:[0-9a-f]{64}: giving up after 2 retries: .*500 internal server error/ })
  const proxy = await startFaultProxy(registry.url, [{ kind: 'reset', match: BLOB_GET, times: 100 }])
  try {
    const img = await (await openRegistry(`127.0.0.1:${proxy.port}/test/img:v1`, { ...OPTS, retry: { ...FAST, retries: 4 } })).openImage()
    await t.rejects(readAll(img.layers[1]!.open()), { message: /giving up after 4 retries: .*connection broken/ })
    seenCount = proxy.seen.filter(s => BLOB_GET.test(s)).length
  } finally {
    await proxy.stop()
  }
  t.equal(seenCount, 5, 'first attempt plus 4 retries')
})

t.test('a body that stalls mid-way fails as an idle timeout, not as a reset connection', async t => {
  const proxy = await startFaultProxy(registry.url, [{ kind: 'trickle', chunkBytes: 65536, delayMs: 60_000, match: BLOB_GET }])
  t.teardown(() => proxy.stop())
  const src = await openRegistry(`127.0.0.1:${proxy.port}/test/img:v1`, { ...OPTS, idleTimeoutMs: 300, retry: { ...FAST, retries: 0 } })
  const img = await src.openImage()
  await t.rejects(readAll(img.layers[1]!.open()), {
    name: 'NetworkError', message: /blob sha256:[0-9a-f]{64}: giving up after 0 retries: GET http:\/\/127\.0\.0\.1:\d+\/v2\/test\/img\/blobs\/sha256:[0-9a-f]{64}: no data for 300 ms$/,
  })
})

t.test('a manifest that does not match its pinned digest is refused', async t => {
  const proxy = await startFaultProxy(registry.url, [{ kind: 'corrupt', match: /manifests\/sha256:/, times: 100 }])
  t.teardown(() => proxy.stop())
  const src = await openRegistry(`127.0.0.1:${proxy.port}/test/img@${MANIFEST_DIGEST}`, OPTS)
  await t.rejects(src.openImage(), { code: 'DIGEST_MISMATCH', message: /manifest sha256:[0-9a-f]{64}: digest mismatch: got sha256:/ })
})
