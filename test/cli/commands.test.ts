// The CLI end to end on vectors made by outside tools: results on stdout, one-line errors,
// exit codes, and the digest contract (digest SOURCE = sha256 of erofs SOURCE = digest DIR).

import t from 'tap'
import { createHash } from 'node:crypto'
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { runCli } from '../helpers/cli.js'
import { diffListings, listDir } from '../../lib/tree/listing.js'
import { umociRootfs, cleanupUmoci } from '../helpers/umoci.js'
import { withMount } from '../helpers/erofs.js'
import { execFileSync } from 'node:child_process'

const vectors = join(import.meta.dirname, '..', 'vectors', 'out')
const work = await mkdtemp(join(tmpdir(), 'cli-'))
t.teardown(async () => {
  await rm(work, { recursive: true, force: true })
  await cleanupUmoci()
})

const run = runCli

t.test('inspect lists labels and describes the selected image', async t => {
  const r = await run('inspect', join(vectors, 'labels.oci'))
  t.equal(r.code, 0, r.stderr)
  t.match(r.stdout, /images:\n  latest  sha256:[0-9a-f]{64}  application\/vnd\.oci\.image\.manifest\.v1\+json/)
  t.match(r.stdout, /\n  other  sha256:/)
  t.match(r.stdout, /selected: latest\n  manifest: sha256:[0-9a-f]{64}\n/)
  t.match(r.stdout, /layers: 1\n    1  sha256:[0-9a-f]{64}  .* application\/vnd\.oci\.image\.layer\.v1\.tar\+gzip\n/)
  const j = await run('inspect', `${join(vectors, 'labels.oci')}:other`, '--json')
  const parsed = JSON.parse(j.stdout) as { images: Array<{ label: string }>; selected: { name: string; layers: unknown[] } }
  t.same(parsed.images.map(i => i.label), ['latest', 'other'])
  t.equal(parsed.selected.name, 'other')
  const twice = await run('inspect', `${join(vectors, 'labels.oci')}:other`, '--label', 'latest')
  t.equal(twice.code, 2, 'a label in the source and --label disagreeing is a usage error')
})

t.test('bad input: one line naming the cause, exit 1', async t => {
  const unknown = await run('inspect', join(vectors, 'labels-nonlatest.oci'))
  t.equal(unknown.code, 1)
  t.match(unknown.stderr, /^bootc-live-unpack: .*alpha.*beta.*\n$/, 'lists the labels present')
  const corrupt = await run('unpack', join(vectors, 'layer-digest.oci'), join(work, 'corrupt'))
  t.equal(corrupt.code, 1)
  t.match(corrupt.stderr, /^bootc-live-unpack: layer 1\/1 .*digest mismatch: got sha256:[0-9a-f]{64}, want sha256:[0-9a-f]{64}\n$/)
  const missing = await run('erofs', join(work, 'nope.oci'), join(work, 'x.erofs'))
  t.equal(missing.code, 1)
  t.match(missing.stderr, /^bootc-live-unpack: image source .*nope\.oci: no such file or directory\n$/)
  const platform = await run('inspect', join(vectors, 'types-pax.oci'), '--platform', 'linux')
  t.equal(platform.code, 2)
  const retries = await run('inspect', join(vectors, 'types-pax.oci'), '--retries', 'many')
  t.equal(retries.code, 2)
  t.match(retries.stderr, /--retries must be a whole number/)
})

t.test('unpack refuses a non-empty target and leaves it alone', async t => {
  const dir = join(work, 'full')
  await mkdir(dir)
  await writeFile(join(dir, 'keep'), 'mine')
  const r = await run('unpack', join(vectors, 'types-pax.oci'), dir)
  t.equal(r.code, 2)
  t.equal(r.stderr, `bootc-live-unpack: target ${dir}: directory is not empty\n`)
  t.equal(await readFile(join(dir, 'keep'), 'utf8'), 'mine')
})

t.test('a failed unpack leaves no half-made tree', async t => {
  const dir = join(work, 'half')
  const r = await run('unpack', join(vectors, 'gzip-truncated.oci'), dir)
  t.equal(r.code, 1)
  t.equal(r.stderr.split('\n').length, 2, 'one line')
  t.match(r.stderr, /^bootc-live-unpack: layer 1\/1 sha256:[0-9a-f]{12}: gzip: unexpected end of file\n$/)
  t.same(await readdir(dir), [], 'the target is left empty (no staging folder, no partial files)')
})

t.test('unpack, erofs, mkfs and digest agree', async t => {
  const source = join(vectors, 'types-gnutar.oci')
  const dir = join(work, 'tree')
  const u = await run('unpack', source, dir, '--progress', 'lines')
  t.equal(u.code, 0, u.stderr)
  t.match(u.stderr, /^writing|reading|unpacked/m, 'progress lines and the summary on stderr')
  t.equal(u.stdout, '', 'nothing on stdout')
  t.equal(diffListings(await listDir(await umociRootfs(source, 'latest'), {}), await listDir(dir)), '', 'the tree is umoci\'s')

  const img = join(work, 'a.erofs')
  t.equal((await run('erofs', source, img, '--quiet')).code, 0)
  const fileDigest = `sha256:${createHash('sha256').update(await readFile(img)).digest('hex')}`
  t.equal((await run('digest', source)).stdout, `${fileDigest}\n`, 'digest SOURCE = sha256 of the image erofs wrote')
  t.equal((await run('digest', dir)).stdout, `${fileDigest}\n`, 'digest DIR of the unpacked tree = digest SOURCE')
  const img2 = join(work, 'b.erofs')
  t.equal((await run('mkfs', dir, img2)).code, 0)
  t.same(await readFile(img2), await readFile(img), 'mkfs DIR writes the same bytes as erofs SOURCE')

  const withOpts = await run('digest', source, '--uuid', '01234567-89ab-cdef-0123-456789abcdef', '--volume-name', 'live')
  t.not(withOpts.stdout, `${fileDigest}\n`, 'uuid and volume name change the image')
  t.equal((await run('digest', source, '--uuid', 'nope')).code, 2)
  t.equal((await run('digest', source, '--volume-name', 'a-name-over-15-bytes')).code, 2)
})

t.test('ls and cat read an image as the kernel mounts it', async t => {
  const img = join(work, 'ls.erofs')
  t.equal((await run('erofs', join(vectors, 'types-gnutar.oci'), img)).code, 0)
  await withMount(img, async mnt => {
    // GNU stat of the mounted tree: mode string, owner, size or major,minor (hex) for devices.
    const statLine = (dir: string, name: string) => {
      const p = join(mnt, dir, name)
      const [mode, owner, size, major, minor] = execFileSync('stat', ['-c', '%A %u:%g %s %t %T', p], { encoding: 'latin1' }).trim().split(' ')
      const what = mode![0] === 'c' || mode![0] === 'b' ? `${parseInt(major!, 16)},${parseInt(minor!, 16)}` : size
      const link = mode![0] === 'l' ? ` -> ${execFileSync('readlink', [p], { encoding: 'latin1' }).trim()}` : ''
      return `${mode} ${owner} ${what} ${name}${link}`
    }
    const files: string[] = []
    const dirs = ['/', ...execFileSync('find', [mnt, '-mindepth', '1', '-type', 'd', '-printf', '/%P\\n'], { encoding: 'latin1' }).trim().split('\n')]
    for (const dir of dirs) {
      const ours = (await run('ls', img, dir)).stdout.trim().split('\n').filter(Boolean)
      const names = execFileSync('ls', ['-A', join(mnt, dir)], { encoding: 'latin1' }).trim().split('\n').filter(Boolean)
      t.same(ours.sort(), names.map(n => statLine(dir, n)).sort(), `ls IMAGE ${dir} = GNU stat of the mount`)
      for (const line of ours) if (line.startsWith('-')) files.push(`${dir === '/' ? '' : dir}/${line.split(' ').pop()}`)
    }
    t.ok(files.length > 0, 'regular files found')
    for (const f of files) t.equal((await run('cat', img, f)).stdout, await readFile(join(mnt, f), 'latin1'), `cat ${f}`)
  })
  const missing = await run('cat', img, '/no/such')
  t.equal(missing.code, 1)
  t.match(missing.stderr, /^bootc-live-unpack: erofs \/no\/such: /)
  const notErofs = await run('ls', join(vectors, 'types-pax.oci'))
  t.match(notErofs.stderr, /bad magic.*not an EROFS image/)
})

t.test('erofs/digest docker://: each blob downloaded once (kept beside the image), --refetch downloads again', async t => {
  const { startRegistry } = await import('../helpers/servers/registry.js')
  const { startFaultProxy } = await import('../helpers/servers/fault-proxy.js')
  const registry = await startRegistry()
  t.teardown(() => registry.stop())
  const env = { ...process.env, REGISTRY_AUTH_FILE: '/nonexistent' }
  execFileSync('skopeo', ['copy', '--quiet', '--dest-tls-verify=false', `oci-archive:${join(vectors, 'hardlink-lower.oci')}`,
    `docker://${registry.host}/cli/vec:v1`], { env })
  const proxy = await startFaultProxy(registry.url, [])
  t.teardown(() => proxy.stop())
  const ref = `docker://127.0.0.1:${proxy.port}/cli/vec:v1`
  const blobGets = () => proxy.seen.filter(s => /^GET .*\/blobs\//.test(s))
  const out = join(work, 'docker-erofs')
  await mkdir(out)
  const img = join(out, 'root.erofs')
  const noCreds = join(work, 'no-creds.json') // an auth file without entries: anonymous, whatever this machine has
  await writeFile(noCreds, '{"auths":{}}')
  const r = await run('erofs', ref, img, '--insecure', '--authfile', noCreds, '--quiet')
  t.equal(r.code, 0, r.stderr)
  t.equal(new Set(blobGets()).size, blobGets().length, 'no blob downloaded twice')
  t.same(await readdir(out), ['root.erofs'], 'nothing left beside the image')
  const sha = `sha256:${createHash('sha256').update(await readFile(img)).digest('hex')}`
  t.equal((await run('digest', join(vectors, 'hardlink-lower.oci'))).stdout, `${sha}\n`, 'same image as from the archive')
  proxy.seen.length = 0
  const again = await run('digest', ref, '--refetch', '--insecure', '--authfile', noCreds)
  t.equal(again.stdout, `${sha}\n`, again.stderr)
  t.ok(new Set(blobGets()).size < blobGets().length, '--refetch downloads a layer again')
})
