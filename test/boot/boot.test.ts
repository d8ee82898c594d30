// VM boot tests: the Debian kernel boots our initramfs under QEMU TCG and the sample image's init
// reports what it sees (sample/README.md); expected file hashes come from umoci's unpack of the same
// archive on the host. Slow (about 8-10 minutes); BOOTC_LIVE_VM_TESTS=0 leaves them out locally.
// Cases run one after another.

import t, { type Test } from 'tap'
import { execFile } from 'node:child_process'
import { createHash } from 'node:crypto'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { startRegistry } from '../helpers/servers/registry.js'
import { appendArchive, boot, field, initramfs, kernel, program, sampleArchive, withArchiveServer, type Boot } from './harness.js'
import { checkJobMemory, memoryComment, zramAndKexecCases } from './zram-kexec.js'

const run = promisify(execFile)

export interface Expect {
  variant: 'latest' | 'alt'
  /** `uname -r` of the booted image (default: the Debian kernel that boots the VM). */
  kernel?: string
  root: boolean
  etc: boolean
  var: boolean
  /** Filesystem type of the / line in /proc/mounts. */
  rootType: string
  /** The source is /root.oci in the initramfs: it must be gone once unpacked. */
  fileSource: boolean
}

const BIND: Expect = { variant: 'latest', root: false, etc: true, var: true, rootType: 'tmpfs', fileSource: true }
const FILES = ['/etc/bootc-live-sample', '/etc/replace-me', '/usr/bin/sample-suid', '/bin/busybox']
/** A bounded boot: TCG with node in the initramfs takes about a minute. */
const TIMEOUT = 300

async function suite(): Promise<void> {
  const latest = await sampleArchive('latest')
  const alt = await sampleArchive('alt')
  const ref = { latest: await umociHashes(latest, 'latest'), alt: await umociHashes(alt, 'alt') }
  const { kver } = await kernel()

  /** Asserts a good boot: the report, file hashes against umoci, setuid and caps, writability, mounts. */
  function booted(t: Test, b: Boot, want: Expect): void {
    t.comment(`booted in ${b.seconds.toFixed(0)} s`)
    if (!b.report) {
      t.fail('the image reported', { fatal: b.fatal, timedOut: b.timedOut, console: b.console.slice(-3000) })
      return
    }
    const r = b.report
    t.same(field(r, 'variant'), [want.variant], 'variant')
    t.same(field(r, 'kernel'), [want.kernel ?? kver], `kernel ${want.kernel ?? kver} booted`)
    const hashes = new Map(field(r, 'sha256').map(l => l.split(/\s+/).reverse() as [string, string]))
    for (const f of FILES) t.equal(hashes.get(f), ref[want.variant].get(f), `${f} matches umoci's unpack`)
    t.same(field(r, 'whiteout /etc/delete-me'), ['absent'], 'whiteout applied')
    t.same(field(r, 'suid'), ['4755 0:0 /usr/bin/sample-suid'], 'setuid bit and owner intact')
    t.match(field(r, 'cap')[0] ?? '', /CapEff:\s*0000000000002000/, 'file capability honoured (mount not nosuid)')
    t.same(field(r, 'writable /'), [want.root ? 'yes' : 'no'], `/ ${want.root ? 'rw' : 'ro'}`)
    t.same(field(r, 'writable /etc'), [want.etc ? 'yes' : 'no'], `/etc ${want.etc ? 'rw' : 'ro'}`)
    t.same(field(r, 'writable /var'), [want.var ? 'yes' : 'no'], `/var ${want.var ? 'rw' : 'ro'}`)
    const rootMount = field(r, 'mount').filter(l => l.split(' ')[1] === '/').pop() ?? ''
    t.equal(rootMount.split(' ')[2], want.rootType, `/ is ${want.rootType}`)
    if (want.fileSource) t.equal(b.facts.get('archive'), 'freed', 'the archive was freed after unpacking')
    t.comment(memoryComment(b.facts))
  }

  function stopped(t: Test, b: Boot, cause: RegExp): void {
    t.equal(b.report, undefined, 'the image never ran')
    t.notOk(b.timedOut, `ended by itself (in ${b.seconds.toFixed(0)} s)`)
    t.match(b.fatal ?? '', cause, `one FATAL line names the cause: ${b.fatal}`)
  }

  // One shell-flavour initramfs with every module and the latest image embedded, built once.
  const all = await initramfs({ name: 'all-mods', flavour: 'shell', modules: ['bootc-live', 'bootc-live-net', 'bootc-live-registry'], embed: latest })
  t.comment(`all-mods initramfs: ${(all.sizeBytes / 2 ** 20).toFixed(1)} MiB${all.buildSeconds ? `, built in ${all.buildSeconds.toFixed(0)} s` : ' (cached)'}`)
  const withAlt = await appendArchive(all.path, alt, 'all-mods+alt')
  /** One boot; rd.shell=0: a failure must stop the boot, not wait in a shell. */
  const vm = (name: string, initrd: string, cmdline: string, forward: Array<[number, number]> = [], tftpDir?: string, timeoutSec = TIMEOUT) =>
    boot(initrd, `${cmdline} rd.shell=0 rd.retry=60`, { name, forward, timeoutSec, ...(tftpDir ? { tftpDir } : {}) })

  await t.test('a bad kernel argument stops the boot at the cmdline hook', async t => {
    stopped(t, await vm('bad-argument', all.path, 'root=bootc-live:relative/root.oci'), /^bootc-live-unpack: kernel argument root=bootc-live:relative/)
  })

  await t.test('embedded archive, bind mode', async t => {
    const b = await vm('embedded-bind', all.path, 'root=bootc-live:/root.oci')
    booted(t, b, BIND)
    checkJobMemory(t, b)
    t.match(b.console, /^reading layer 3\/3: .* done$/m, 'one progress line per layer on the console')
    t.notMatch(b.console, /^(\.\/)?\/?usr\/bin\/sample-suid$/m, 'no line per file (the original logged every name)')
  })

  await t.test('appended rootfs.img replaces the embedded archive; bootclabel=alt', async t => {
    booted(t, await vm('appended-alt', withAlt, 'root=bootc-live:/root.oci bootclabel=alt'), { ...BIND, variant: 'alt' })
  })

  await t.test('bootclabel=latest picks the other image of the same archive', async t => {
    booted(t, await vm('appended-latest', withAlt, 'root=bootc-live:/root.oci bootclabel=latest'), BIND)
  })

  await t.test('rw makes the bind-mounted root writable; bootc.quiet silences progress', async t => {
    const b = await vm('bind-rw', all.path, 'root=bootc-live:/root.oci rw bootc.quiet')
    booted(t, b, { ...BIND, root: true })
    t.notMatch(b.console, /^reading layer/m, 'no progress lines')
  })

  await t.test('bind mode honours bootc.live.etc.rw=0 and bootc.live.var.rw=0', async t => {
    const b = await vm('bind-etc-var-ro', all.path, 'root=bootc-live:/root.oci bootc.live.etc.rw=0 bootc.live.var.rw=0')
    booted(t, b, { ...BIND, etc: false, var: false })
  })

  await t.test('EROFS mode: the image is loop-mounted read-only, /etc and /var overlays', async t => {
    const b = await vm('erofs', all.path, 'root=bootc-live:/root.oci bootc.live.erofs')
    booted(t, b, { ...BIND, rootType: 'erofs' })
    checkJobMemory(t, b)
    const etc = b.report ? field(b.report, 'mount').find(l => l.split(' ')[1] === '/etc') : undefined
    t.equal(etc?.split(' ')[2], 'overlay', '/etc is an overlay')
    t.equal(`sha256:${b.facts.get('erofs sha256')}`, (await program('digest', latest)).trim(), 'the image equals `bootc-live-unpack digest` of the archive')
  })

  await t.test('EROFS + rw: an overlay over the whole root; etc.rw=0 keeps /etc read-only', async t => {
    const b = await vm('erofs-rw', all.path, 'root=bootc-live:/root.oci bootc.live.erofs rw bootc.live.etc.rw=0')
    booted(t, b, { ...BIND, root: true, etc: false, rootType: 'overlay' })
  })

  await t.test('net boot over http from the host', async t => {
    await withArchiveServer(alt, async server => {
      const b = await vm('http', all.path, 'root=bootc-live:http://10.0.2.100:8080/root.oci bootclabel=alt', [[8080, server.port]])
      booted(t, b, { ...BIND, variant: 'alt', fileSource: false })
      t.ok(server.requests.some(r => r.path === '/root.oci'), 'the guest fetched /root.oci from the host')
    })
  })

  await t.test('registry boot from docker-registry on the host', async t => {
    const registry = await startRegistry()
    try {
      await run('skopeo', ['copy', '--quiet', '--dest-tls-verify=false', `oci-archive:${latest}:latest`, `docker://${registry.host}/sample:latest`], {
        env: { ...process.env, REGISTRY_AUTH_FILE: '/nonexistent' },
      })
      const port = Number(registry.host.split(':')[1])
      const b = await vm('registry', all.path, 'root=bootc-live:docker://10.0.2.100:5000/sample:latest bootc.registry.unsecure=1', [[5000, port]])
      booted(t, b, { ...BIND, fileSource: false })
    } finally {
      await registry.stop()
    }
  })

  await t.test("tftp:// is fetched by dracut's url-lib, then unpacked", async t => {
    const dir = await mkdtemp(join(tmpdir(), 'bootc-live-tftp-'))
    try {
      await writeFile(join(dir, 'root.oci'), await readFile(alt))
      const b = await vm('tftp', all.path, 'root=bootc-live:tftp://10.0.2.2/root.oci bootclabel=alt', [], dir)
      booted(t, b, { ...BIND, variant: 'alt', fileSource: false })
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })

  await t.test('failures stop the boot with one clear line', async t => {
    const wrongLabel = await vm('wrong-label', all.path, 'root=bootc-live:/root.oci bootclabel=nope')
    stopped(t, wrongLabel, /^bootc-live-unpack: .*nope/)
    const missing = await vm('missing-archive', all.path, 'root=bootc-live:/missing.oci')
    stopped(t, missing, /^bootc-live-unpack: .*\/missing\.oci/)
    const bad = await corruptCopy(latest)
    const corrupt = await appendArchive(all.path, bad, 'all-mods+corrupt')
    await rm(bad)
    stopped(t, await vm('corrupt', corrupt, 'root=bootc-live:/root.oci'), /^bootc-live-unpack: .*(sha256|digest|layer|gzip)/)
  })

  await t.test('an unreachable URL stops the boot after bootc.net.retries', async t => {
    // Port 9 has no forward: connections are refused; two quick attempts, then the boot stops.
    const down = await vm('unreachable', all.path, 'root=bootc-live:http://10.0.2.100:9/root.oci bootc.net.retries=2 bootc.net.timeout=5')
    stopped(t, down, /^bootc-live-unpack: .*10\.0\.2\.100:9/)
  })

  await zramAndKexecCases(t, { all: all.path, vm, booted, bind: BIND })

  const systemd = await initramfs({ name: 'systemd', flavour: 'systemd', modules: ['bootc-live'], embed: latest })
  t.comment(`systemd initramfs: ${(systemd.sizeBytes / 2 ** 20).toFixed(1)} MiB${systemd.buildSeconds ? `, built in ${systemd.buildSeconds.toFixed(0)} s` : ' (cached)'}`)

  await t.test('systemd flavour: embedded archive, bind mode', async t => {
    booted(t, await vm('systemd-bind', systemd.path, 'root=bootc-live:/root.oci'), BIND)
  })

  await t.test('systemd flavour: EROFS mode', async t => {
    booted(t, await vm('systemd-erofs', systemd.path, 'root=bootc-live:/root.oci bootc.live.erofs'), { ...BIND, rootType: 'erofs' })
  })

  await t.test('systemd flavour: a failure stops the boot', async t => {
    const b = await vm('systemd-bad-argument', systemd.path, 'root=bootc-live:relative/root.oci')
    stopped(t, b, /^bootc-live-unpack: kernel argument root=bootc-live:relative/)
  })
}

/** sha256 of the sample's files in umoci's unpack of `label` (the outside reference). */
async function umociHashes(archive: string, label: string): Promise<Map<string, string>> {
  const dir = await mkdtemp(join(tmpdir(), 'bootc-live-umoci-'))
  try {
    await run('tar', ['-xf', archive, '-C', dir, '--one-top-level=layout'])
    await run('umoci', ['unpack', '--image', `${join(dir, 'layout')}:${label}`, join(dir, 'bundle')])
    const out = new Map<string, string>()
    for (const f of FILES) out.set(f, createHash('sha256').update(await readFile(join(dir, 'bundle', 'rootfs', f))).digest('hex'))
    return out
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}

/** A copy of `archive` with bytes changed inside its largest blob (the busybox layer). */
async function corruptCopy(archive: string): Promise<string> {
  const bytes = await readFile(archive)
  const list = (await run('tar', ['-tvf', archive])).stdout
  const largest = list
    .split('\n')
    .filter(l => l.includes('blobs/sha256/'))
    .map(l => ({ name: l.split(/\s+/).pop()!, size: Number(l.split(/\s+/)[2]) }))
    .sort((a, b) => b.size - a.size)[0]
  if (!largest) throw new Error(`no blobs in ${archive}`)
  // The blob's data follows its 512-byte tar header, found by its name.
  const at = bytes.indexOf(Buffer.from(largest.name)) + 512 + 4096
  bytes[at] = bytes[at]! ^ 0xff
  const out = `${archive}.corrupt`
  await writeFile(out, bytes)
  return out
}

// Part of every run, CI's included; BOOTC_LIVE_VM_TESTS=0 leaves them out of a quick local run.
if (process.env.BOOTC_LIVE_VM_TESTS === '0') {
  t.plan(0, 'VM boot tests left out: BOOTC_LIVE_VM_TESTS=0')
} else {
  await suite()
}
