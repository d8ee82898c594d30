import t from 'tap'
import { checkImagePlatform, currentPlatform, formatPlatform, parsePlatform, platformMatches } from '../../lib/oci/platform.js'
import { UsageError } from '../../lib/errors.js'

t.test('parse and format', async t => {
  t.same(parsePlatform('linux/amd64'), { os: 'linux', architecture: 'amd64' })
  t.same(parsePlatform('linux/arm/v7'), { os: 'linux', architecture: 'arm', variant: 'v7' })
  t.equal(formatPlatform(parsePlatform('linux/arm64/v8')), 'linux/arm64/v8')
  for (const bad of ['linux', 'linux/', '/amd64', 'a/b/c/d', 'Linux/AMD64', '']) t.throws(() => parsePlatform(bad), UsageError, bad)
})

t.test('running machine', async t => {
  t.same(currentPlatform('x64', 'linux'), { os: 'linux', architecture: 'amd64' })
  t.same(currentPlatform('arm64', 'linux'), { os: 'linux', architecture: 'arm64', variant: 'v8' })
  t.same(currentPlatform('arm', 'linux'), { os: 'linux', architecture: 'arm', variant: 'v7' })
  t.same(currentPlatform('ia32', 'linux'), { os: 'linux', architecture: '386' })
  t.same(currentPlatform('ppc64', 'linux'), { os: 'linux', architecture: 'ppc64le' })
  t.same(currentPlatform('s390x', 'linux'), { os: 'linux', architecture: 's390x' })
})

t.test('variant matters only when asked for', async t => {
  const p = parsePlatform
  t.ok(platformMatches(p('linux/arm'), p('linux/arm/v6')))
  t.ok(platformMatches(p('linux/arm/v7'), p('linux/arm/v7')))
  t.notOk(platformMatches(p('linux/arm/v7'), p('linux/arm/v6')))
  t.notOk(platformMatches(p('linux/arm/v7'), p('linux/arm')))
  t.ok(platformMatches(p('linux/arm64/v8'), p('linux/arm64')), 'v8 is the arm64 default')
  t.notOk(platformMatches(p('linux/amd64'), p('linux/arm64')))
  t.notOk(platformMatches(p('linux/amd64'), p('windows/amd64')))
})

t.test('an explicit platform against the image config: variant only when both name one', async t => {
  const p = parsePlatform
  t.doesNotThrow(() => checkImagePlatform(p('linux/amd64'), p('linux/amd64'), 'img'))
  t.doesNotThrow(() => checkImagePlatform(p('linux/arm/v7'), p('linux/arm'), 'img'), 'config without variant')
  t.doesNotThrow(() => checkImagePlatform(p('linux/arm64'), p('linux/arm64/v8'), 'img'), 'request without variant')
  t.throws(() => checkImagePlatform(p('linux/arm64'), p('linux/amd64'), 'oci-archive:x.oci'),
    { code: 'NOT_FOUND', message: 'oci-archive:x.oci is linux/amd64, not the requested linux/arm64' })
  t.throws(() => checkImagePlatform(p('linux/arm/v7'), p('linux/arm/v6'), 'img'), { message: 'img is linux/arm/v6, not the requested linux/arm/v7' })
  t.throws(() => checkImagePlatform(p('windows/amd64'), p('linux/amd64'), 'img'), { code: 'NOT_FOUND' })
})
