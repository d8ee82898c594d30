// The boot part of the report: bench/boot.sh's {"boot"} and {"initrd"} lines to results.json's
// `boot` object (bootResults) and to the README section (bootSection). A failed boot or build
// counts as a run with an error and leaves its values missing (null).

const MIB = 1024 * 1024
const mib = b => (b == null ? 'n/a' : `${(b / MIB).toFixed(1)} MiB`)
const mibMb = b => (b == null ? 'n/a' : `${mib(b)} (${(b / 1e6).toFixed(1)} MB)`)
const kibMib = k => (k == null ? 'n/a' : mib(k * 1024))
const sec = s => (s == null ? 'n/a' : s.toFixed(2))

const TIMES = ['kernelStartSec', 'kernelToMarkerSec', 'qemuToMarkerSec', 'unpackStartSec', 'unpackSummarySec', 'unpackSec']

function median(xs) {
  if (xs.length === 0) return null
  const s = [...xs].sort((a, b) => a - b)
  const mid = s.length >> 1
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2
}
const min = xs => (xs.length ? Math.min(...xs) : null)
const values = (rs, f) => rs.map(f).filter(v => typeof v === 'number')

/** A record plus what is derived from it: the unpack's duration and total - free after boot. */
function derive(r) {
  if (r.error) return r
  const unpackSec = r.unpackSummarySec != null && r.unpackStartSec != null ? Number((r.unpackSummarySec - r.unpackStartSec).toFixed(2)) : undefined
  const f = r.free
  const p = r.probe
  const usedAtPeakKiB = p?.jobPeakKiB != null && p.availableBeforeJobKiB != null ? r.memTotalKiB - (p.availableBeforeJobKiB - p.jobPeakKiB) : undefined
  return {
    ...r,
    unpackSec,
    ...(f ? { free: { ...f, inUseKiB: f.totalKiB - f.freeKiB } } : {}),
    ...(p ? { probe: { ...p, usedAtPeakKiB } } : {}),
  }
}

function mode(mode, rs) {
  const ok = rs.filter(r => !r.error)
  const stat = f => ({ min: min(values(ok, f)), median: median(values(ok, f)) })
  return {
    mode,
    runs: rs.length,
    ok: ok.length,
    errors: rs.filter(r => r.error).map(r => r.error),
    ...Object.fromEntries(TIMES.map(t => [t, stat(r => r[t])])),
    memTotalKiB: median(values(ok, r => r.memTotalKiB)),
    free: Object.fromEntries(['usedKiB', 'sharedKiB', 'inUseKiB'].map(k => [k, median(values(ok, r => r.free?.[k]))])),
    records: rs,
  }
}

/** results.json's `boot`: timed boots per mode, the probe boots, and the initramfs images. */
export function bootResults(lines, facts) {
  const boots = lines.filter(l => l.boot).map(derive)
  const initrds = lines.filter(l => l.initrd)
  if (boots.length === 0 && initrds.length === 0) return undefined
  const modes = [...new Set(boots.map(b => b.boot))]
  return {
    kernel: facts.bootKernel,
    sample: { archiveBytes: facts.sampleArchiveBytes, treeBytes: facts.sampleTreeBytes },
    modes: modes.map(m => mode(m, boots.filter(b => b.boot === m && !b.probe))),
    probe: boots.filter(b => b.probe),
    initrd: initrds,
  }
}

function timesTable(b) {
  const rows = [
    '| mode | runs ok | QEMU start -> kernel start s | kernel start -> marker min / median s | QEMU start -> marker min / median s | unpack started / summary printed (from QEMU start, median) s | unpack (started -> summary, median) s |',
    '|---|---:|---:|---:|---:|---:|---:|',
  ]
  for (const m of b.modes) {
    rows.push(`| ${m.mode} | ${m.ok}/${m.runs} | ${sec(m.kernelStartSec.median)} | ${sec(m.kernelToMarkerSec.min)} / ${sec(m.kernelToMarkerSec.median)} | ${sec(m.qemuToMarkerSec.min)} / ${sec(m.qemuToMarkerSec.median)} | ${sec(m.unpackStartSec.median)} / ${sec(m.unpackSummarySec.median)} | ${sec(m.unpackSec.median)} |`)
  }
  return rows.join('\n')
}

function memoryTable(b) {
  const rows = [
    '| mode | MemTotal | after boot: used | after boot: shared (tmpfs) | after boot: total - free | probe: MemAvailable before the job | probe: job peak | probe: in use at the peak |',
    '|---|---:|---:|---:|---:|---:|---:|---:|',
  ]
  for (const m of b.modes) {
    const p = b.probe.find(q => q.boot === m.mode && !q.error)?.probe
    rows.push(`| ${m.mode} | ${kibMib(m.memTotalKiB)} | ${kibMib(m.free.usedKiB)} | ${kibMib(m.free.sharedKiB)} | ${kibMib(m.free.inUseKiB)} | ${kibMib(p?.availableBeforeJobKiB)} | ${kibMib(p?.jobPeakKiB)} | ${kibMib(p?.usedAtPeakKiB)} |`)
  }
  return rows.join('\n')
}

function initrdTable(b) {
  const rows = ['| image | dracut modules | /root.oci embedded | size (zstd) | build s |', '|---|---|---|---:|---:|']
  for (const i of b.initrd) {
    rows.push(`| ${i.initrd} | ${i.modules} | ${i.embeddedArchive ? 'yes' : 'no'} | ${i.error ? `failed: ${i.error}` : mibMb(i.bytes)} | ${i.buildSec.toFixed(0)} |`)
  }
  return rows.join('\n')
}

/** The "RAM >= 2x the image" rule of the original against what the guest reported. */
function ruleOfThumb(b) {
  const archive = b.sample.archiveBytes
  const out = []
  for (const m of b.modes) {
    const p = b.probe.find(q => q.boot === m.mode && !q.error)?.probe
    if (!p?.jobPeakKiB || !p.usedAtPeakKiB) {
      out.push(`- ${m.mode}: no probe figures (the probe boot failed).`)
      continue
    }
    const job = p.jobPeakKiB * 1024
    const usedBeforeKiB = m.memTotalKiB - p.availableBeforeJobKiB
    if (p.usedAfterJobKiB < usedBeforeKiB) {
      out.push(`- ${m.mode}: the probe's job peak (${mib(job)}) is not the job's cost: the guest had less in use after the job (${kibMib(p.usedAfterJobKiB)}) than before it (${kibMib(usedBeforeKiB)}), so memory freed elsewhere in the meantime (udev, module loading) hid the job's growth, or the sampling stopped early. In use at the lowest MemAvailable: ${kibMib(p.usedAtPeakKiB)} (${(p.usedAtPeakKiB * 1024 / archive).toFixed(0)}x the archive), almost all of it the kernel, its reserves and the unpacked initramfs (node and its addons), a fixed cost the rule does not count.`)
      continue
    }
    out.push(`- ${m.mode}: the job's own peak was ${mib(job)} (${(job / archive).toFixed(1)}x the archive), but the guest had ${mib(p.usedAtPeakKiB * 1024)} in use at that moment (${(p.usedAtPeakKiB * 1024 / archive).toFixed(0)}x the archive): the kernel, its reserves and the unpacked initramfs (node and its addons) are a fixed cost the rule does not count.`)
  }
  return out.join('\n')
}

export function bootSection(b) {
  const errors = [...b.modes.flatMap(m => m.errors.map(e => `${m.mode}: ${e}`)), ...b.probe.filter(p => p.error).map(p => `${p.boot} probe: ${p.error}`)]
  return `## Live boot under QEMU TCG

\`bench/boot.sh\` embeds the sample image (\`sample/build.sh\`: busybox in 3 layers; archive
${mib(b.sample.archiveBytes)}, unpacked tree ${mib(b.sample.treeBytes)}) in an initramfs
(\`ROOT_OCI=root.oci scripts/boot/build-initrd.sh IMG shell bootc-live\`) and boots it with kernel
${b.kernel} under \`scripts/boot/run-vm.sh\` (TCG, 1 vCPU, 1024 MiB) and \`root=bootc-live:/root.oci
rd.shell=0\`, plus \`bootc.live.erofs\` in EROFS mode; the modes take turns. The host stamps every
console line as it arrives (console logs: \`results/tmp/boot-*.log\`). QEMU start is the spawn of
QEMU; kernel start is the host time at which the kernel's clock read 0 (the smallest arrival time
minus printk time of any line), so it includes SeaBIOS and loading the kernel and initramfs; the
marker is \`BOOTC-LIVE-REPORT-BEGIN\`, printed by the sample's /sbin/init after switch_root. Unpack
started is dracut's "bootc-live: unpacking" line, summary printed the program's last line ("unpacked
... in N s" or "wrote .../root.erofs"), which the glue holds back until the program exits; between
the two are node's start and the unpack itself. TCG runs JIT code about 100x slower than natively.

${timesTable(b)}

Memory, in the guest. "After boot" is the \`free\` of the sample's report, taken in the booted
system: the initramfs and the archive are freed by then. busybox \`free\` counts as used total -
free - buff/cache, so tmpfs contents (the tree in bind mode, the EROFS image and the writable copies
in EROFS mode) are not in it but in shared (part of buff/cache); total - free includes them. This
is not a peak. The peak comes from one more boot per mode from an image that also holds the test
module \`test/boot/modules.d/59bootc-live-test\` (not used for the times: it samples every 0.2 s).
It samples MemAvailable from dracut's cmdline hook until the job is done: job peak is MemAvailable
before the job minus its lowest value (node's memory, the tree or image written, page cache), and
in use at the peak is MemTotal minus that lowest value, which also counts the unpacked initramfs,
the archive in it, the kernel and its reserves (MemAvailable keeps the low watermarks back).

${memoryTable(b)}

Against the original's rule of thumb, RAM >= 2x the image (archive ${mib(b.sample.archiveBytes)}):
${ruleOfThumb(b)}
- The sample is small, so the fixed cost dominates; for the scaling with the image size, see the
  erofs memory budget of the corpus in the interpretation (peak RSS + temp files + image against
  the archive).

### initramfs size per module set

Built by \`scripts/boot/build-initrd.sh\` (shell flavour, zstd, no host-only, kernel ${b.kernel}); base
is dracut's bash and base modules alone, which every image holds. bootc-live-net adds
network-legacy (dhclient) in the shell flavour. The boot and probe images also hold the sample
archive.

${initrdTable(b)}
${errors.length ? `\nFailed boots (missing values above):\n${errors.map(e => `- ${e}`).join('\n')}\n` : ''}`
}
