import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { credentialsFromAuthFiles, parseChallenge } from '../../lib/source/registry/auth.js'
import { formatDockerReference, parseDockerReference } from '../../lib/source/registry/reference.js'

const D = `sha256:${'a'.repeat(64)}`

t.test('references are normalised as docker does', async t => {
  const cases: Array<[string, string, string, string, string | undefined, string | undefined]> = [
    // input, domain, host, repository, tag, digest
    ['alpine', 'docker.io', 'registry-1.docker.io', 'library/alpine', 'latest', undefined],
    ['docker.io/alpine:3', 'docker.io', 'registry-1.docker.io', 'library/alpine', '3', undefined],
    ['index.docker.io/user/x', 'docker.io', 'registry-1.docker.io', 'user/x', 'latest', undefined],
    ['user/x@' + D, 'docker.io', 'registry-1.docker.io', 'user/x', undefined, D],
    ['localhost/x', 'localhost', 'localhost', 'x', 'latest', undefined],
    ['127.0.0.1:5000/a/b/c:t-1.0', '127.0.0.1:5000', '127.0.0.1:5000', 'a/b/c', 't-1.0', undefined],
    ['quay.io/x/y:1@' + D, 'quay.io', 'quay.io', 'x/y', '1', D],
  ]
  for (const [input, domain, host, repository, tag, digest] of cases) {
    t.same(parseDockerReference(input), { domain, host, repository, tag, digest }, input)
  }
  t.equal(formatDockerReference(parseDockerReference('alpine')), 'docker.io/library/alpine:latest')
})

t.test('invalid references are usage errors naming the problem', async t => {
  t.throws(() => parseDockerReference('Upper/x'), { code: 'USAGE', message: /invalid repository name "Upper\/x"/ })
  t.throws(() => parseDockerReference('x@sha256:abc'), { code: 'USAGE', message: /malformed sha256 digest/ })
  t.throws(() => parseDockerReference('x:-bad'), { code: 'USAGE', message: /invalid tag "-bad"/ })
  t.throws(() => parseDockerReference(''), { code: 'USAGE' })
  for (const port of ['0', '65536', '99999']) {
    t.throws(() => parseDockerReference(`127.0.0.1:${port}/x`), { code: 'USAGE', message: `invalid image reference "127.0.0.1:${port}/x": port ${port} is not in 1-65535` })
  }
  t.throws(() => parseDockerReference('[::1]:70000/x'), { code: 'USAGE', message: /port 70000 is not in 1-65535$/ })
  t.throws(() => parseDockerReference('127.0.0.1:http/x'), { code: 'USAGE', message: /invalid registry host "127\.0\.0\.1:http"/ })
  t.equal(parseDockerReference('127.0.0.1:65535/x').host, '127.0.0.1:65535')
})

t.test('WWW-Authenticate challenges', async t => {
  t.same(parseChallenge('Bearer realm="https://auth.example/token",service="registry.example",scope="repository:a/b:pull,push"'), {
    scheme: 'bearer', params: { realm: 'https://auth.example/token', service: 'registry.example', scope: 'repository:a/b:pull,push' },
  })
  t.same(parseChallenge('Bearer realm="r", error="insufficient_scope", scope="repository:x:pull"'), {
    scheme: 'bearer', params: { realm: 'r', error: 'insufficient_scope', scope: 'repository:x:pull' },
  })
  t.same(parseChallenge('Basic realm="a \\"quoted\\" realm"'), { scheme: 'basic', params: { realm: 'a "quoted" realm' } })
})

t.test('auth.json: most specific key wins, docker hub aliases, first existing file only', async t => {
  const dir = await mkdtemp(join(tmpdir(), 'auth-json-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  const b64 = (s: string) => Buffer.from(s).toString('base64')
  const file = join(dir, 'auth.json')
  await writeFile(file, JSON.stringify({
    auths: {
      'reg.example': { auth: b64('host:1') },
      'reg.example/team': { auth: b64('team:2') },
      'https://index.docker.io/v1/': { auth: b64('hub:3:with:colons') },
    },
  }))
  t.same(await credentialsFromAuthFiles([file], 'reg.example', 'team/app'), { username: 'team', password: '2' })
  t.same(await credentialsFromAuthFiles([file], 'reg.example', 'other/app'), { username: 'host', password: '1' })
  t.same(await credentialsFromAuthFiles([file], 'docker.io', 'library/alpine'), { username: 'hub', password: '3:with:colons' })
  t.equal(await credentialsFromAuthFiles([file], 'elsewhere.example', 'x'), undefined)
  t.equal(await credentialsFromAuthFiles([join(dir, 'none.json')], 'reg.example', 'x'), undefined)
  // A file the user named must be there (skopeo --authfile fails too); the default places are optional.
  await t.rejects(credentialsFromAuthFiles([join(dir, 'none.json')], 'reg.example', 'x', true),
    { code: 'IO', message: `auth file ${join(dir, 'none.json')}: open: ENOENT` })
  await t.rejects(credentialsFromAuthFiles([dir], 'reg.example', 'x', true), { code: 'IO', message: `auth file ${dir}: read: EISDIR` })
  t.same(await credentialsFromAuthFiles([file], 'reg.example', 'x', true), { username: 'host', password: '1' })
  await writeFile(join(dir, 'bad.json'), JSON.stringify({ auths: { 'reg.example': { auth: b64('nocolon') } } }))
  await t.rejects(credentialsFromAuthFiles([join(dir, 'bad.json')], 'reg.example', 'x'), { code: 'INVALID_JSON', message: /auths\.reg\.example/ })
})
