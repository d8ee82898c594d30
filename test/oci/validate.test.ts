import t from 'tap'
import fc from 'fast-check'
import { BootcLiveError, FormatError, LimitError, UnsupportedError } from '../../lib/errors.js'
import { JSON_LIMIT_BYTES, parseJson, validateConfig, validateIndex, validateManifest } from '../../lib/oci/validate.js'
import { MediaType } from '../../lib/oci/types.js'

const d = (c: string) => `sha256:${c.repeat(64)}`
const manifest = (): any => ({
  schemaVersion: 2,
  mediaType: MediaType.OCI_MANIFEST,
  config: { mediaType: MediaType.OCI_CONFIG, digest: d('c'), size: 100 },
  layers: [
    { mediaType: MediaType.OCI_LAYER_GZIP, digest: d('1'), size: 10 },
    { mediaType: MediaType.DOCKER_LAYER_GZIP, digest: d('2'), size: 20, annotations: { a: 'b' } },
  ],
})
const index = (): any => ({
  schemaVersion: 2,
  manifests: [
    { mediaType: MediaType.OCI_MANIFEST, digest: d('a'), size: 5, annotations: { 'org.opencontainers.image.ref.name': 'latest' } },
    { mediaType: MediaType.OCI_INDEX, digest: d('b'), size: 5, platform: { os: 'linux', architecture: 'arm', variant: 'v7' } },
  ],
})
const config = (): any => ({
  architecture: 'amd64',
  os: 'linux',
  config: { Env: ['PATH=/usr/bin'], Entrypoint: null, Cmd: ['/bin/sh'], Labels: { x: 'y' }, ExposedPorts: null, WorkingDir: '/' },
  rootfs: { type: 'layers', diff_ids: [d('d'), d('e')] },
  history: [{ created_by: 'x', empty_layer: true }],
})

t.test('valid documents come through typed', async t => {
  t.equal(validateManifest(manifest(), 'm', MediaType.OCI_MANIFEST).layers.length, 2)
  t.equal(validateIndex(index(), 'i').manifests[1]!.platform!.variant, 'v7')
  const c = validateConfig(config(), 'c', 2)
  t.same(c.config, { Env: ['PATH=/usr/bin'], Entrypoint: null, Cmd: ['/bin/sh'], Labels: { x: 'y' }, WorkingDir: '/' })
  t.same(c.rootfs.diff_ids, [d('d'), d('e')])
})

t.test('bad fields are named', async t => {
  const cases: [string, () => unknown, RegExp][] = [
    ['layer digest', () => { const m = manifest(); m.layers[1]!.digest = 'sha256:../../etc'; return validateManifest(m, 'manifest M') }, /^manifest M: layers\[1\]\.digest: malformed digest/],
    ['layer size', () => { const m = manifest(); (m.layers[0] as any).size = -1; return validateManifest(m, 'manifest M') }, /layers\[0\]\.size: want a non-negative integer, got -1/],
    ['schemaVersion', () => validateManifest({ ...manifest(), schemaVersion: 3 }, 'manifest M'), /schemaVersion: got 3, want 2/],
    ['no layers', () => validateManifest({ ...manifest(), layers: undefined }, 'manifest M'), /layers: want an array, got nothing/],
    ['index entry', () => validateIndex({ schemaVersion: 2, manifests: [{}] }, 'index.json'), /^index\.json: manifests\[0\]\.mediaType: want a string/],
    ['platform', () => { const i = index(); (i.manifests[1]!.platform as any).os = 1; return validateIndex(i, 'I') }, /manifests\[1\]\.platform\.os: want a string, got 1/],
    ['diff_ids count', () => validateConfig(config(), 'config C', 3), /^config C: rootfs\.diff_ids: got 2 entries, want 3/],
    ['rootfs type', () => validateConfig({ ...config(), rootfs: { type: 'x', diff_ids: [] } }, 'C', 0), /rootfs\.type: got "x", want "layers"/],
    ['Env', () => validateConfig({ ...config(), config: { Env: [1] } }, 'C', 2), /config\.Env\[0\]: want a string, got 1/],
    ['index with layers', () => validateIndex({ ...index(), layers: [] }, 'I'), /an index must not have layers/],
    ['manifest with manifests', () => validateManifest({ ...manifest(), manifests: [] }, 'M'), /a manifest must not have manifests/],
  ]
  for (const [name, fn, message] of cases) t.throws(fn, { constructor: FormatError, code: 'INVALID_JSON', message }, name)
})

t.test('mediaType must agree with the descriptor (CVE-2021-41190)', async t => {
  t.throws(() => validateManifest(manifest(), 'manifest M', MediaType.OCI_INDEX), {
    code: 'INVALID_JSON',
    message: `manifest M: mediaType: got ${MediaType.OCI_MANIFEST}, want ${MediaType.OCI_INDEX} as the descriptor says`,
  })
  t.throws(() => validateIndex({ ...index(), mediaType: MediaType.OCI_MANIFEST }, 'I', MediaType.OCI_INDEX), { code: 'INVALID_JSON' })
})

t.test('schema1, encrypted and unknown layers, artifacts are unsupported', async t => {
  t.throws(() => validateManifest({ schemaVersion: 1, name: 'x', fsLayers: [] }, 'manifest M'), {
    constructor: UnsupportedError, code: 'UNSUPPORTED', message: /^manifest M: docker schema1 manifests are not supported/,
  })
  for (const mt of [`${MediaType.OCI_LAYER_GZIP}+encrypted`, 'application/vnd.oci.image.layer.v1.tar+encrypted', 'application/x-foo']) {
    const m = manifest()
    m.layers[1]!.mediaType = mt
    t.throws(() => validateManifest(m, 'manifest M'), {
      constructor: UnsupportedError, code: 'UNSUPPORTED_MEDIA_TYPE', message: new RegExp(`layers\\[1\\]\\.mediaType: ${mt.replace(/[.+]/g, '\\$&')}`),
    }, mt)
  }
  const m = manifest()
  m.config.mediaType = 'application/vnd.cncf.helm.config.v1+json'
  t.throws(() => validateManifest(m, 'M'), { code: 'UNSUPPORTED_MEDIA_TYPE', message: /config\.mediaType/ })
})

t.test('json parse errors and the size cap', async t => {
  t.throws(() => parseJson(Buffer.from('{"a":'), 'manifest M'), { constructor: FormatError, code: 'INVALID_JSON', message: /^manifest M: not valid json/ })
  t.throws(() => parseJson(Buffer.alloc(JSON_LIMIT_BYTES + 1, 0x20), 'config C'), { constructor: LimitError, code: 'LIMIT', message: /^config C: json blob of 4194305 bytes exceeds/ })
})

// Mutations of valid documents: replace, delete or retype one value anywhere in the tree.
type Json = null | boolean | number | string | Json[] | { [k: string]: Json }
function paths(v: Json, prefix: (string | number)[] = []): (string | number)[][] {
  const out = [prefix]
  if (Array.isArray(v)) v.forEach((x, i) => out.push(...paths(x, [...prefix, i])))
  else if (v !== null && typeof v === 'object') for (const [k, x] of Object.entries(v)) out.push(...paths(x, [...prefix, k]))
  return out
}
function mutate(doc: Json, path: (string | number)[], value: Json | undefined): Json {
  if (path.length === 0) return value === undefined ? null : value
  const copy: any = Array.isArray(doc) ? [...doc] : { ...(doc as object) }
  const [head, ...rest] = path
  if (rest.length === 0 && value === undefined) delete copy[head!]
  else copy[head!] = mutate(copy[head!], rest, value)
  return copy
}

t.test('fuzz: mutated documents give a result or a BootcLiveError', async t => {
  const docs: [string, Json, (v: unknown) => unknown][] = [
    ['manifest', manifest() as Json, v => validateManifest(v, 'm', MediaType.OCI_MANIFEST)],
    ['index', index() as Json, v => validateIndex(v, 'i')],
    ['config', config() as Json, v => validateConfig(v, 'c', 2)],
  ]
  const tricky = fc.constantFrom<Json | undefined>(undefined, null, 1, -1, 1.5, 2 ** 60, '', 'sha256:..', 'latest', true, [], {}, [null], { __proto__: 1 } as any, 'application/vnd.oci.image.layer.v1.tar+zstd+encrypted')
  for (const [name, doc, validate] of docs) {
    const all = paths(doc)
    let errors = 0
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(all.length - 1), fc.oneof(tricky, fc.jsonValue() as fc.Arbitrary<Json>)), { minLength: 1, maxLength: 3 }), edits => {
        let v = doc
        for (const [i, value] of edits) v = mutate(v, all[i]!, value)
        try {
          validate(JSON.parse(JSON.stringify(v)))
        } catch (err) {
          if (!(err instanceof BootcLiveError)) throw err
          errors++
        }
      }),
      { seed: 20240601, numRuns: 3000 },
    )
    t.ok(errors > 100, `${name}: many mutations are rejected (${errors})`)
  }
})
