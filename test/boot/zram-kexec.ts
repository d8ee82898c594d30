// VM cases of bootc.zram and bootc.kexec (run by boot.test.ts, in its sequence). The kexec image carries
// another Debian kernel than the one booting the VM (scripts/boot/other-kernel.sh) and an initramfs our
// glue made for it; the second stage's own report (uname -r, /proc/cmdline) proves it ran.

import type { Test } from 'tap'
import { mkdtemp, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Expect } from './boot.test.js'
import { appendArchive, field, initramfs, kexecArchive, otherKernel, parseConsole, program, withArchiveServer, type Boot } from './harness.js'

export interface Cases {
  /** The all-modules shell initramfs (latest embedded). */
  all: string
  vm: (name: string, initrd: string, cmdline: string, forward?: Array<[number, number]>, tftpDir?: string, timeoutSec?: number) => Promise<Boot>
  booted: (t: Test, b: Boot, want: Expect) => void
  bind: Expect
}

const MIB = 2 ** 20
/** Two boots (the Debian kernel, then the image's) and two unpacks under TCG. */
const KEXEC_TIMEOUT = 900

/** A test module fact in kB ("N kB"), NaN when missing. */
function kbFact(facts: ReadonlyMap<string, string>, key: string): number {
  return Number(/^(-?\d+) kB$/.exec(facts.get(key) ?? '')?.[1])
}

/** One line with the memory facts of the test module (the job's cgroup, read in the initramfs). */
export function memoryComment(facts: ReadonlyMap<string, string>): string {
  const mib = (key: string) => {
    const v = kbFact(facts, key)
    return Number.isNaN(v) ? '?' : `${(v / 1024).toFixed(1)} MiB`
  }
  const zram = facts.get('zram mm_stat')
  return (
    `memory: job peak ${mib('mem job peak')}, kept after the job ${mib('mem job kept')} (page cache ${mib('mem job kept page cache')}), ` +
    `in use after the job ${mib('mem used after job')}; work area (df -k): ${facts.get('work df') ?? '?'}${zram ? `; zram mm_stat: ${zram}` : ''}`
  )
}

/**
 * The job's cgroup (bootc-live-lib.sh): the glue logs its memory.peak, and the pages the job wrote to the
 * work area's tmpfs stay charged to it (so that its peak counts the tree or image, not only node).
 */
export function checkJobMemory(t: Test, b: Boot): void {
  const line = /bootc-live: job peak memory (\d+) MiB, (\d+) MiB of it still in use after it/.exec(b.console)
  const peak = kbFact(b.facts, 'mem job peak')
  t.equal(Number(line?.[1]), Math.ceil(peak / 1024), `the glue logged the job's memory.peak: ${line?.[0]}`)
  const kept = kbFact(b.facts, 'mem job kept')
  const used = Number((b.facts.get('work df') ?? '').split(/\s+/)[2])
  t.ok(kept >= used, `what stays charged to the job (${kept} kB) holds the work area's ${used} kB`)
}

/** mm_stat's first two fields: bytes stored and their compressed size. */
function mmStat(report: readonly string[]): { orig: number; compr: number } {
  const [orig = 0, compr = 0] = (field(report, 'zram mm_stat')[0] ?? '').trim().split(/\s+/).map(Number)
  return { orig, compr }
}

export async function zramAndKexecCases(t: Test, c: Cases): Promise<void> {
  const { vm, booted, bind, all } = c

  await t.test('bootc.zram: the work area is ext4 on /dev/zram0 of that size', async t => {
    const b = await vm('zram-bind', all, 'root=bootc-live:/root.oci bootc.zram=256M')
    booted(t, b, { ...bind, rootType: 'ext4' })
    const r = b.report ?? []
    const root = field(r, 'mount').find(l => l.split(' ')[1] === '/') ?? ''
    t.equal(root.split(' ')[0], '/dev/zram0', 'the root (a bind of the tree) comes from /dev/zram0')
    t.same(field(r, 'zram disksize'), [String(256 * MIB)], 'disksize is bootc.zram')
    const { orig, compr } = mmStat(r)
    t.ok(orig > 1 * MIB, `zram holds the tree: ${orig} bytes stored as ${compr}`)
  })

  await t.test('bootc.zram with EROFS and bootc.zram.alg=lz4', async t => {
    const b = await vm('zram-erofs-lz4', all, 'root=bootc-live:/root.oci bootc.live.erofs bootc.zram=128M bootc.zram.alg=lz4')
    booted(t, b, { ...bind, rootType: 'erofs' })
    const r = b.report ?? []
    t.match(field(r, 'zram comp_algorithm')[0] ?? '', /\[lz4\]/, 'lz4 is the selected compressor')
    t.same(field(r, 'zram disksize'), [String(128 * MIB)], 'disksize is bootc.zram')
    t.ok(mmStat(r).orig > 1 * MIB, 'the EROFS image is stored in zram')
  })

  await t.test('bootc.zram with an unknown compressor: one warning, the boot goes on with a tmpfs', async t => {
    const b = await vm('zram-bad-alg', all, 'root=bootc-live:/root.oci bootc.zram=64M bootc.zram.alg=nope')
    booted(t, b, bind)
    // dracut's warn writes each line twice: to the console and, with a timestamp, through kmsg.
    const warnings = b.console.split('\n').filter(l => /^dracut Warning: bootc-live: bootc\.zram:/.test(l))
    t.equal(warnings.length, 1, 'one warning')
    t.match(warnings[0] ?? '', /compression nope not offered by zram .*the work area is a tmpfs/, `it says why: ${warnings[0]}`)
  })

  const other = await otherKernel()
  const image = await initramfs({ name: 'kexec-image', flavour: 'shell', modules: ['bootc-live', 'bootc-live-net', 'bootc-live-registry'], kernel: other })
  t.comment(`kexec: the image carries kernel ${other.kver} and an initramfs of ${(image.sizeBytes / MIB).toFixed(1)} MiB${image.buildSeconds ? ` (built in ${image.buildSeconds.toFixed(0)} s)` : ''}`)
  const archive = await kexecArchive(other, image.path)
  const archiveBytes = (await stat(archive)).size
  const erofsBytes = await erofsSize(archive)
  t.comment(`kexec image: archive ${(archiveBytes / MIB).toFixed(1)} MiB, its EROFS image ${(erofsBytes / MIB).toFixed(1)} MiB`)
  const kexecWant: Expect = { ...bind, kernel: other.kver }

  /** Both stages' checks: the second ran the image's kernel with bootc.kexec=0 and the handed-over file. */
  function chained(t: Test, b: Boot, handed: 'root.oci' | 'root.erofs' | undefined): void {
    const cut = b.console.indexOf('bootc-live: kexec into')
    t.ok(cut > 0, 'the first stage kexec-ed')
    const peak = kbFact(parseConsole(b.console.slice(0, cut)).facts, 'mem job peak')
    t.comment(`first stage: job peak ${(peak / 1024).toFixed(1)} MiB (memory.peak, sampled until kexec)`)
    if (handed) t.match(b.console, new RegExp(`kexec hands over bootc-live/${handed.replace('.', '\\.')}`), `handed over ${handed}`)
    else t.notMatch(b.console, /kexec hands over/, 'nothing handed over')
    const cmdline = field(b.report ?? [], 'cmdline')[0] ?? ''
    t.match(cmdline, /bootc\.kexec=1 .*bootc\.kexec=0\s*$/, 'the second stage got the same cmdline plus bootc.kexec=0')
    const second = b.console.slice(cut)
    if (!handed) t.match(second, /unpacking http:/, 'the second stage fetched the source itself')
    else if (handed === 'root.erofs') t.match(second, /mounting the EROFS image handed over by the previous stage: \/bootc-live\/root\.erofs/, 'mounted without building again')
    else t.match(second, /unpacking \/bootc-live\/root\.oci/, 'the second stage unpacked the handed-over archive')
  }

  await t.test('bootc.kexec from the embedded archive: the image kernel boots with the archive handed over', async t => {
    const initrd = await appendArchive(all, archive, 'all-mods+kexec')
    const b = await c.vm('kexec-embedded', initrd, 'root=bootc-live:/root.oci bootc.kexec=1', [], undefined, KEXEC_TIMEOUT)
    await rm(initrd)
    booted(t, b, kexecWant)
    chained(t, b, 'root.oci')
  })

  await t.test('bootc.kexec over http with EROFS: downloaded once, the smaller file handed over', async t => {
    await withArchiveServer(archive, async server => {
      const b = await c.vm('kexec-http-erofs', all, 'root=bootc-live:http://10.0.2.100:8080/root.oci bootc.live.erofs bootc.kexec=1', [[8080, server.port]], undefined, KEXEC_TIMEOUT)
      booted(t, b, { ...kexecWant, rootType: 'erofs', fileSource: false })
      chained(t, b, erofsBytes <= 2 * archiveBytes ? 'root.erofs' : 'root.oci')
      const gets = server.requests.filter(r => r.method === 'GET' && r.path === '/root.oci')
      t.equal(gets.length, 1, 'one download: the second stage did not fetch again')
      t.equal(`sha256:${b.facts.get('erofs sha256')}`, (await program('digest', archive)).trim(), 'the mounted image equals `bootc-live-unpack digest` of the archive')
    })
  })

  await t.test('bootc.kexec with bootc.kexec.reuse-image=0: the image kernel downloads the source again', async t => {
    await withArchiveServer(archive, async server => {
      const b = await c.vm('kexec-http-no-reuse', all, 'root=bootc-live:http://10.0.2.100:8080/root.oci bootc.kexec=1 bootc.kexec.reuse-image=0', [[8080, server.port]], undefined, KEXEC_TIMEOUT)
      booted(t, b, { ...kexecWant, fileSource: false })
      chained(t, b, undefined)
      const gets = server.requests.filter(r => r.method === 'GET' && r.path === '/root.oci')
      t.equal(gets.length, 2, 'each stage downloaded the archive')
    })
  })

  await t.test('bootc.kexec with an image without a kernel stops the boot with one line', async t => {
    const b = await vm('kexec-no-kernel', all, 'root=bootc-live:/root.oci bootc.kexec=1')
    t.equal(b.report, undefined, 'the image never ran')
    t.notOk(b.timedOut, `ended by itself (in ${b.seconds.toFixed(0)} s)`)
    t.match(b.fatal ?? '', /^bootc-live: bootc\.kexec: the image has no kernel \/usr\/lib\/modules\/\*\/vmlinuz$/, `one FATAL line: ${b.fatal}`)
  })
}

/** Size of the EROFS image `bootc-live-unpack erofs` writes for the archive (what the glue compares). */
async function erofsSize(archive: string): Promise<number> {
  const dir = await mkdtemp(join(tmpdir(), 'bootc-live-erofs-'))
  try {
    await program('erofs', archive, join(dir, 'root.erofs'), '--quiet')
    return (await stat(join(dir, 'root.erofs'))).size
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}
