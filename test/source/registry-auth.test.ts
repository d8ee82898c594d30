// Token auth (ES256 JWT from a local token server) and blob redirects (the registry's `redirect`
// storage middleware pointing at a file server on another port), both against docker-registry.

import { randomBytes } from 'node:crypto'
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { openRegistry } from '../../lib/source/registry/store.js'
import { buildImage, layoutOf } from '../helpers/servers/images.js'
import { pushImage, startRegistry } from '../helpers/servers/registry.js'
import { startFileServer } from '../helpers/servers/file-server.js'
import { startTokenServer } from '../helpers/servers/token-server.js'

const OPTS = { insecure: true, authFiles: false as const, retry: { retries: 2, baseDelayMs: 1, maxDelayMs: 5 } }
async function readAll(src: AsyncIterable<Buffer>): Promise<Buffer> {
  const chunks: Buffer[] = []
  for await (const c of src) chunks.push(c)
  return Buffer.concat(chunks)
}

const work = await mkdtemp(join(tmpdir(), 'bootc-live-auth-test-'))
const storageRoot = join(work, 'storage')
await mkdir(storageRoot)
const tokens = await startTokenServer({ users: { alice: 's3cret' } })
const storage = await startFileServer(storageRoot)
const registry = await startRegistry({
  auth: { realm: tokens.realm, service: tokens.service, issuer: tokens.issuer, rootCertBundle: tokens.certPath },
  redirectBaseUrl: storage.url,
  storageRoot,
})
t.teardown(async () => {
  await registry.stop()
  await storage.stop()
  await tokens.stop()
  await rm(work, { recursive: true, force: true })
})
await buildImage(work, 'v1', [{ 'etc/a': 'a\n' }, { 'usr/b': randomBytes(50_000) }])
await pushImage(layoutOf(work), 'v1', `${registry.host}/private/img:v1`, { creds: 'alice:s3cret' })
const REF = `${registry.host}/private/img:v1`

async function pullLayers(opts: Parameters<typeof openRegistry>[1]) {
  const img = await (await openRegistry(REF, opts)).openImage()
  const out: Buffer[] = []
  for (const layer of img.layers) out.push(await readAll(layer.open()))
  return { img, out }
}

t.test('credentials from options: bearer token per scope, cached; blobs follow the redirect without it', async t => {
  tokens.requests.length = 0
  storage.requests.length = 0
  const { img, out } = await pullLayers({ ...OPTS, credentials: { username: 'alice', password: 's3cret' } })
  for (const [i, layer] of img.layers.entries()) {
    t.same(out[i], await readFile(join(layoutOf(work), 'blobs', 'sha256', layer.descriptor.digest.slice(7))))
  }
  t.same(tokens.requests, [{ user: 'alice', scope: 'repository:private/img:pull', service: tokens.service }], 'one token for the scope')
  const blobGets = storage.requests.filter(r => r.method === 'GET' && r.path.includes('/blobs/sha256/'))
  t.ok(blobGets.length >= 3, 'config and layers came from the redirect target')
  t.same(blobGets.map(r => r.authorization), blobGets.map(() => undefined), 'Authorization never sent to the other origin')
})

t.test('credentials from a containers auth.json', async t => {
  const authFile = join(work, 'auth.json')
  const auth = Buffer.from('alice:s3cret').toString('base64')
  await writeFile(authFile, JSON.stringify({ auths: { [registry.host]: { auth } } }))
  const { out } = await pullLayers({ ...OPTS, authFiles: [authFile] })
  t.equal(out.length, 2)
  // --authfile names a file: one that is not there fails, as with skopeo, instead of pulling anonymously.
  const missing = join(work, 'missing.json')
  await t.rejects(pullLayers({ ...OPTS, authFiles: [missing, authFile] }), { code: 'IO', message: `auth file ${missing}: open: ENOENT` })
  // REGISTRY_AUTH_FILE (a default place) stays optional: bench and tests set it to /nonexistent for "none".
  const saved = process.env.REGISTRY_AUTH_FILE
  process.env.REGISTRY_AUTH_FILE = missing
  t.teardown(() => {
    if (saved === undefined) delete process.env.REGISTRY_AUTH_FILE
    else process.env.REGISTRY_AUTH_FILE = saved
  })
  await t.rejects(pullLayers({ insecure: true, retry: OPTS.retry }), { status: 401, message: /\(no credentials given\)$/ })
  await writeFile(authFile, JSON.stringify({ auths: { [`${registry.host}/private/img`]: { auth } } }))
  t.equal((await pullLayers({ ...OPTS, authFiles: [authFile] })).out.length, 2, 'a repository-scoped key matches too')
})

t.test('no or wrong credentials: a clear permanent 401', async t => {
  await t.rejects(pullLayers(OPTS), {
    name: 'NetworkError', status: 401, temporary: false,
    message: /private\/img: manifest v1: 401 unauthorized: UNAUTHORIZED.* \(no credentials given\)$/,
  })
  await t.rejects(pullLayers({ ...OPTS, credentials: { username: 'alice', password: 'wrong' } }), {
    name: 'NetworkError', status: 401, temporary: false, message: /token for repository:private\/img:pull: 401 unauthorized/,
  })
})
