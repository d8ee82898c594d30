// http(s):// sources: an oci-archive written by skopeo, served by a Node file server on 127.0.0.1,
// downloaded (with faults injected by a proxy) and read back in place.

import { execFile } from 'node:child_process'
import { createHash, randomBytes } from 'node:crypto'
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { gzipSync } from 'node:zlib'
import t from 'tap'
import { BlobImageSource } from '../../lib/oci/blob-source.js'
import { openHttpStore, type HttpSourceOptions } from '../../lib/source/http.js'
import type { ProgressEvent } from '../../lib/progress.js'
import { buildImage, layoutOf } from '../helpers/servers/images.js'
import { startFileServer } from '../helpers/servers/file-server.js'
import { startFaultProxy, type Fault } from '../helpers/servers/fault-proxy.js'
import { selfSignedCert } from '../helpers/servers/tls.js'

const run = promisify(execFile)
const FAST = { retries: 3, baseDelayMs: 1, maxDelayMs: 5 }
const sha256 = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`

const work = await mkdtemp(join(tmpdir(), 'bootc-live-http-test-'))
const served = join(work, 'served')
const scratch = join(work, 'scratch')
await mkdir(served)
await mkdir(scratch)
await buildImage(work, 'v1', [{ 'etc/a': 'a\n' }, { 'usr/b': randomBytes(200_000) }])
await run('skopeo', ['copy', '--quiet', `oci:${layoutOf(work)}:v1`, `oci-archive:${join(served, 'img.tar')}:v1`])
const ARCHIVE = await readFile(join(served, 'img.tar'))
await writeFile(join(served, 'img.tar.gz'), gzipSync(ARCHIVE))
const files = await startFileServer(served)
t.teardown(async () => {
  await files.stop()
  await rm(work, { recursive: true, force: true })
})

/** Opens the URL, reads every layer and closes; returns the layer digests seen. */
async function readImage(url: string, opts: HttpSourceOptions = {}): Promise<string[]> {
  const src = new BlobImageSource(await openHttpStore(url, { retry: FAST, tmpDir: scratch, ...opts }))
  try {
    const img = await src.openImage({ label: 'v1' })
    const digests: string[] = []
    for (const layer of img.layers) {
      const chunks: Buffer[] = []
      for await (const c of layer.open()) chunks.push(c)
      digests.push(sha256(Buffer.concat(chunks)))
      for await (const _ of layer.openUncompressed());
    }
    return digests
  } finally {
    await src.close()
  }
}

const manifest = JSON.parse((await run('skopeo', ['inspect', '--raw', `oci-archive:${join(served, 'img.tar')}`])).stdout) as { layers: Array<{ digest: string }> }
const LAYERS = manifest.layers.map(l => l.digest)

t.test('an archive by URL is downloaded with progress, read in place, and its temp file removed on close', async t => {
  const events: ProgressEvent[] = []
  t.same(await readImage(`${files.url}/img.tar`, { onProgress: e => events.push(e) }), LAYERS)
  const last = events.at(-1)
  t.same(last, { phase: 'download', bytes: ARCHIVE.length, total: ARCHIVE.length, done: true })
  t.ok(events.length >= 2 && events.slice(0, -1).every(e => e.total === ARCHIVE.length && !e.done))
  t.same(await readdir(scratch), [], 'temporary download deleted')
  t.same(await readImage(`${files.url}/img.tar.gz`), LAYERS, 'a gzip-compressed archive works too')
  t.same(await readdir(scratch), [])
})

async function throughProxy(faults: Fault[], opts: HttpSourceOptions = {}, upstream = files.url) {
  const proxy = await startFaultProxy(upstream, faults)
  try {
    return { layers: await readImage(`${proxy.url}/img.tar`, opts), fired: proxy.fired, seen: proxy.seen }
  } finally {
    await proxy.stop()
  }
}

t.test('transient faults end in the right archive; a reset resumes with Range', async t => {
  const get = /^GET \/img\.tar$/
  const cases: Array<[string, Fault[]]> = [
    ['connection reset', [{ kind: 'reset', match: get }]],
    ['truncated body', [{ kind: 'truncate', match: get }]],
    ['500 then success', [{ kind: 'status', status: 500, match: get, times: 2 }]],
    ['429 then success', [{ kind: 'status', status: 429, retryAfter: '0', match: get }]],
    ['slow trickle', [{ kind: 'trickle', chunkBytes: 32768, delayMs: 2, match: get }]],
  ]
  for (const [name, faults] of cases) {
    const { layers, fired } = await throughProxy(faults)
    t.equal(fired.length, faults.reduce((n, f) => n + (f.times ?? 1), 0), `${name}: fired`)
    t.same(layers, LAYERS, `${name}: image intact`)
  }
  const { seen } = await throughProxy([{ kind: 'reset', match: get }])
  t.match(seen, [/range=$/, /range=bytes=[1-9]\d*-$/])
  t.same(await readdir(scratch), [])
})

t.test('a server that ignores Range still yields the right bytes after a reset', async t => {
  const noRanges = await startFileServer(served, { noRanges: true })
  t.teardown(() => noRanges.stop())
  const { layers, seen } = await throughProxy([{ kind: 'reset', match: /^GET/ }], {}, noRanges.url)
  t.equal(seen.length, 2)
  t.same(layers, LAYERS)
})

t.test('permanent failures: 404, size limit, time limit, retries exhausted', async t => {
  await t.rejects(readImage(`${files.url}/missing.tar`), {
    name: 'NetworkError', status: 404, temporary: false, message: /^download http:\/\/127\.0\.0\.1:\d+\/missing\.tar: 404 not found$/,
  })
  await t.rejects(readImage(`${files.url}/img.tar`, { maxBytes: 1000 }), {
    name: 'LimitError', message: `download ${files.url}/img.tar: ${ARCHIVE.length} bytes exceed the limit of 1000`,
  })
  const slow: Fault = { kind: 'trickle', chunkBytes: 512, delayMs: 50, match: /^GET/ }
  await t.rejects(throughProxy([slow], { timeLimitMs: 200 }), { name: 'NetworkError', temporary: false, message: /time limit of 200 ms exceeded/ })
  await t.rejects(throughProxy([{ kind: 'status', status: 503, match: /^GET/, times: 10 }], { retry: { ...FAST, retries: 2 } }), {
    status: 503, temporary: false, message: /giving up after 2 retries: .*503 service unavailable/,
  })
  t.same(await readdir(scratch), [], 'no temporary file left behind by failures')
})

t.test('https: certificate checked unless insecure; no downgrade redirect to http', async t => {
  const tls = await selfSignedCert(work)
  const secure = await startFileServer(served, { tls })
  const downgrade = await startFileServer(served, { tls, redirectTo: files.url })
  t.teardown(async () => {
    await secure.stop()
    await downgrade.stop()
  })
  await t.rejects(readImage(`${secure.url}/img.tar`), { name: 'NetworkError', temporary: false, message: /self[- ]signed certificate/ })
  t.same(await readImage(`${secure.url}/img.tar`, { insecure: true }), LAYERS)
  await t.rejects(readImage(`${downgrade.url}/img.tar`, { insecure: true }), {
    name: 'NetworkError', message: /refusing redirect from https to http/,
  })
})

t.test('a redirect to another origin does not carry the Authorization header along', async t => {
  const hop = await startFileServer(served, { redirectTo: files.url })
  t.teardown(() => hop.stop())
  files.requests.length = 0
  t.same(await readImage(`${hop.url}/img.tar`, { headers: { authorization: 'Bearer for-the-first-origin' } }), LAYERS)
  t.equal(hop.requests[0]?.authorization, 'Bearer for-the-first-origin')
  t.same(files.requests.map(r => [r.path, r.authorization]), [['/img.tar', undefined]])
})
