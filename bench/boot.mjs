// Boots one initramfs once (a scripts/boot/run-vm.sh command line) and appends one JSON line to --raw:
// when the live system's report marker BOOTC-LIVE-REPORT-BEGIN reached the serial console, counted
// from QEMU's start and from the kernel's, when the glue's unpack started and printed its summary,
// and the memory figures the guest printed: the glue's "job peak memory" line (its cgroup's
// memory.peak, in MiB), zram's mm_stat in the booted system and, with --probe, the test module's
// exact figures (for a kexec boot also those of the first stage, until kexec). Every console line is
// stamped on arrival and kept in --log. A boot that fails or times out is a record with `error`
// (exit 0): the other cases go on.
// usage: node bench/boot.mjs --mode M --raw FILE --log FILE [--probe] -- CMD ARGS...

import { spawn } from 'node:child_process'
import { appendFileSync, writeFileSync } from 'node:fs'
import { createInterface } from 'node:readline'
import { parseArgs } from 'node:util'

const BEGIN = 'BOOTC-LIVE-REPORT-BEGIN'
const END = 'BOOTC-LIVE-REPORT-END'
const GRACE_MS = 20_000 // after END: poweroff -f should end QEMU well before

const { values: opt, positionals: cmd } = parseArgs({
  options: { mode: { type: 'string' }, raw: { type: 'string' }, log: { type: 'string' }, probe: { type: 'boolean' } },
  allowPositionals: true,
})

/** [host seconds since QEMU start, line] for every console line, until QEMU exits. */
async function console_() {
  const start = process.hrtime.bigint()
  const child = spawn(cmd[0], cmd.slice(1), { stdio: ['ignore', 'pipe', 'pipe'], detached: true })
  const lines = []
  let grace
  const stamp = l => {
    const t = Number(process.hrtime.bigint() - start) / 1e9
    lines.push([t, l.replace(/\r$/, '')])
    if (l.includes(END)) grace ??= setTimeout(() => process.kill(-child.pid, 'SIGKILL'), GRACE_MS)
  }
  createInterface({ input: child.stdout }).on('line', stamp)
  createInterface({ input: child.stderr }).on('line', stamp)
  const code = await new Promise(resolve => child.on('close', c => resolve(c)))
  clearTimeout(grace)
  return { code, lines }
}

/** Host seconds at which the kernel's clock read 0: the smallest (arrival - printk time) of any line. */
function kernelStart(lines) {
  let best = Infinity
  for (const [t, l] of lines) {
    const m = /^\[\s*(\d+\.\d+)\]/.exec(l)
    if (m) best = Math.min(best, t - Number(m[1]))
  }
  return Number.isFinite(best) ? best : undefined
}

const first = (lines, re) => lines.find(([, l]) => re.test(l))
const kib = (lines, re) => {
  const m = lines.map(([, l]) => re.exec(l)).filter(Boolean)
  return m.length ? Math.max(...m.map(x => Number(x[1]))) : undefined
}
const round = s => (s === undefined ? undefined : Number(s.toFixed(2)))

/** `free` of the booted system (busybox: used = total - free - buff/cache; shared = tmpfs). */
function freeAfterBoot(report) {
  const row = report.find(([, l]) => /^Mem:\s/.test(l))
  if (!row) return undefined
  const [total, used, free, shared, buffCache, available] = row[1].trim().split(/\s+/).slice(1).map(Number)
  return { totalKiB: total, usedKiB: used, freeKiB: free, sharedKiB: shared, buffCacheKiB: buffCache, availableKiB: available }
}

/** The glue's line (bootc-live-lib.sh): the job's peak memory and what of it stays in use, MiB. */
function glueJob(lines) {
  const m = lines.map(([, l]) => /bootc-live: job peak memory (\d+) MiB, (\d+) MiB of it still in use/.exec(l)).find(Boolean)
  return m ? { peakMiB: Number(m[1]), keptMiB: Number(m[2]) } : undefined
}

/** The zram device's mm_stat (Documentation/admin-guide/blockdev/zram.rst), as the booted system printed it. */
function zram(report) {
  const row = report.find(([, l]) => l.startsWith('zram mm_stat: '))
  if (!row) return undefined
  const [origBytes, comprBytes, memUsedBytes, , memUsedMaxBytes] = row[1].slice('zram mm_stat: '.length).trim().split(/\s+/).map(Number)
  return { origBytes, comprBytes, memUsedBytes, memUsedMaxBytes }
}

/** The test module's figures (test/boot/modules.d/59bootc-live-test, only in --probe boots), in KiB. */
function probe(lines) {
  const fact = key => kib(lines, new RegExp(`BOOTC-LIVE-TEST ${key}: (\\d+) kB`))
  const beforeMiB = kib(lines, /BOOTC-LIVE-TEST mem before job: (\d+) MiB available/)
  return {
    availableBeforeJobKiB: beforeMiB === undefined ? undefined : beforeMiB * 1024,
    jobPeakKiB: fact('mem job peak'),
    jobKeptKiB: fact('mem job kept'),
    jobKeptPageCacheKiB: fact('mem job kept page cache'),
    usedAfterJobKiB: fact('mem used after job'),
    workUsedKiB: kib(lines, /BOOTC-LIVE-TEST work df: \S+\s+\d+\s+(\d+)\s/),
  }
}

/**
 * The first stage of a kexec boot: what it handed over, and (probe only: the glue logs its line when the
 * job ends, which this job never does) the sampled peak before and after the hand-over's choice, the
 * archive being freed there when the EROFS image goes instead.
 */
function kexecStage(lines) {
  const i = lines.findIndex(([, l]) => /bootc-live: kexec hands over /.test(l))
  const m = i < 0 ? undefined : /kexec hands over (\S+) \(archive (\d+) bytes(?:, EROFS image (\d+) bytes)?\)/.exec(lines[i][1])
  return {
    handOver: m?.[1],
    archiveBytes: m ? Number(m[2]) : undefined,
    erofsBytes: m?.[3] === undefined ? undefined : Number(m[3]),
    ...(opt.probe ? { mem: probe(lines), jobPeakBeforeHandOverKiB: probe(lines.slice(0, i < 0 ? undefined : i)).jobPeakKiB } : {}),
  }
}

function analyse({ code, lines }) {
  const begin = lines.findIndex(([, l]) => l.includes(BEGIN))
  if (begin < 0) {
    const last = lines.filter(([, l]) => l.trim()).slice(-1)[0]
    return { error: `no ${BEGIN} (qemu exit ${code}); last line: ${last ? last[1].slice(0, 200) : '(none)'}` }
  }
  const end = lines.findIndex(([, l]) => l.includes(END))
  const report = lines.slice(begin + 1, end < 0 ? undefined : end)
  const markerSec = lines[begin][0]
  const k0 = kernelStart(lines.slice(0, begin))
  const unpackStart = first(lines, /bootc-live: unpacking /)
  const summary = first(lines, /^(unpacked \S+ into \S+: |wrote \S+root\.erofs: )/)
  const memTotal = kib(report, /^MemTotal:\s+(\d+) kB/)
  // A kexec boot: the first stage's lines end where it hands over to the image's kernel.
  const cut = lines.findIndex(([, l]) => l.includes('bootc-live: kexec into'))
  const stage = cut < 0 ? lines : lines.slice(cut)
  return {
    qemuToMarkerSec: round(markerSec),
    kernelToMarkerSec: round(k0 === undefined ? undefined : markerSec - k0),
    kernelStartSec: round(k0),
    unpackStartSec: round(unpackStart?.[0]),
    unpackSummarySec: round(summary?.[0]),
    unpackSummary: summary?.[1],
    memTotalKiB: memTotal,
    free: freeAfterBoot(report),
    zram: zram(report),
    job: glueJob(stage),
    ...(opt.probe ? { mem: probe(stage) } : {}),
    ...(cut < 0 ? {} : { kexec: kexecStage(lines.slice(0, cut)) }),
  }
}

const result = await console_()
writeFileSync(opt.log, result.lines.map(([t, l]) => `${t.toFixed(2).padStart(8)} ${l}\n`).join(''))
const rec = { boot: opt.mode, probe: Boolean(opt.probe), ...analyse(result) }
appendFileSync(opt.raw, `${JSON.stringify(rec)}\n`)
const peak = rec.mem?.jobPeakKiB === undefined ? (rec.job ? `${rec.job.peakMiB} MiB` : 'n/a') : `${(rec.mem.jobPeakKiB / 1024).toFixed(1)} MiB`
const what = rec.error
  ? `FAILED: ${rec.error} (console: ${opt.log})`
  : `${rec.qemuToMarkerSec} s from qemu start, ${rec.kernelToMarkerSec} s from kernel start to the report; job peak memory ${peak}`
console.error(`  boot-${opt.mode}${opt.probe ? ' (probe)' : ''}: ${what}`)
