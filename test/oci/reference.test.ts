import t from 'tap'
import { normalizeImageName, parseSourceRef } from '../../lib/oci/reference.js'
import { NotFoundError, UsageError } from '../../lib/errors.js'

t.test('SOURCE forms; a path containing ":" wins over a label split', async t => {
  const paths = new Set(['img.tar', '/d/x:y.tar', 'dir', '/d/x'])
  const exists = (p: string) => paths.has(p)
  const p = (s: string) => parseSourceRef(s, exists)
  t.match(p('img.tar'), { kind: 'archive', location: 'img.tar', label: undefined, explicitKind: false })
  t.match(p('img.tar:v1'), { kind: 'archive', location: 'img.tar', label: 'v1' })
  t.match(p('oci-archive:img.tar:latest'), { kind: 'archive', location: 'img.tar', label: 'latest', explicitKind: true })
  t.match(p('/d/x:y.tar'), { location: '/d/x:y.tar', label: undefined })
  t.match(p('/d/x:y.tar:tag'), { location: '/d/x:y.tar', label: 'tag' })
  t.match(p('/d/x:z'), { location: '/d/x', label: 'z' })
  t.match(p('oci:dir'), { kind: 'layout', location: 'dir', label: undefined })
  t.match(p('oci:dir:quay.io/x/y:1'), { kind: 'layout', location: 'dir', label: 'quay.io/x/y:1' }, 'labels may hold colons')
  t.match(p('docker://quay.io/x:1'), { kind: 'docker', location: 'quay.io/x:1' })
  t.match(p('https://h/x.tar'), { kind: 'http' })
  t.throws(() => p('http://h:99999/x.tar'), { constructor: UsageError, message: 'image source "http://h:99999/x.tar": not a valid URL' })
  t.throws(() => p('nope.tar:v1'), { constructor: NotFoundError, message: /nope\.tar:v1: no such file/ })
  t.throws(() => p('img.tar:'), UsageError)
  t.throws(() => p(''), UsageError)
})

t.test('name normalisation', async t => {
  const want = 'docker.io/library/x:latest'
  for (const n of ['x', 'x:latest', 'library/x', 'library/x:latest', 'docker.io/library/x:latest', 'index.docker.io/library/x']) {
    t.equal(normalizeImageName(n), want, n)
  }
  t.equal(normalizeImageName('quay.io/a/b'), 'quay.io/a/b:latest')
  t.equal(normalizeImageName('localhost:5000/a:1'), 'localhost:5000/a:1')
  t.equal(normalizeImageName('user/app:2'), 'docker.io/user/app:2')
  t.equal(normalizeImageName(`x@sha256:${'a'.repeat(64)}`), `docker.io/library/x@sha256:${'a'.repeat(64)}`)
})
