// The boot part of the report: bench/boot.sh's {"boot"}, {"jobMemory"} and {"initrd"} lines to
// results.json's `boot` object (bootResults) and to the README section (bootSection). A failed boot,
// host run or build counts as a run with an error and leaves its values missing (null).

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
  return { ...r, unpackSec, ...(f ? { free: { ...f, inUseKiB: f.totalKiB - f.freeKiB } } : {}) }
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
    job: { peakMiB: median(values(ok, r => r.job?.peakMiB)), keptMiB: median(values(ok, r => r.job?.keptMiB)) },
    records: rs,
  }
}

/**
 * One row of the rule table from a probe boot or a host run: the archive (the rule's "image"), what
 * sat in RAM before the job (the archive, or what a kexec's first stage handed over), the job's peak,
 * and the RAM at that peak. A kexec's first stage frees the archive when it hands over the EROFS
 * image instead, before it writes the next initrd: its figure is the larger of the two steps'.
 */
function row(image, where, mode, m) {
  const inputBytes = m.inputBytes ?? m.archiveBytes
  let atPeakBytes = m.peakBytes == null ? null : inputBytes + m.peakBytes + (m.zramMemUsedMaxBytes ?? 0)
  if (m.peakBeforeHandOverBytes != null && m.handOver === 'bootc-live/root.erofs') {
    atPeakBytes = Math.max(inputBytes + m.peakBeforeHandOverBytes, m.peakBytes)
  }
  return {
    image,
    where,
    mode,
    ...m,
    inputBytes,
    atPeakBytes,
    archiveMultiple: atPeakBytes == null ? null : atPeakBytes / m.archiveBytes,
    // The original's rule of thumb: RAM >= 2 x the image (its archive). Below 1: within it.
    oursPerRule: atPeakBytes == null ? null : atPeakBytes / (2 * m.archiveBytes),
  }
}

const kib = k => (k == null ? null : k * 1024)

/** Rows from the probe boots: one per mode, two for kexec (the first stage until kexec, the second). */
function vmRows(probes, facts) {
  const rows = []
  for (const p of probes.filter(q => !q.error)) {
    const m = p.mem ?? {}
    const common = { peakBytes: kib(m.jobPeakKiB), keptBytes: kib(m.jobKeptKiB), keptPageCacheBytes: kib(m.jobKeptPageCacheKiB), writtenBytes: kib(m.workUsedKiB) }
    if (!p.kexec) {
      rows.push(row('sample', 'VM', p.boot, { archiveBytes: facts.sampleArchiveBytes, ...common, zramMemUsedMaxBytes: p.zram?.memUsedMaxBytes }))
      continue
    }
    const k = p.kexec
    rows.push(row('sample-kexec', 'VM', 'kexec, first stage', {
      archiveBytes: k.archiveBytes,
      peakBytes: kib(k.mem?.jobPeakKiB),
      peakBeforeHandOverBytes: kib(k.jobPeakBeforeHandOverKiB),
      handOver: k.handOver,
      writtenBytes: k.erofsBytes,
    }))
    const erofs = k.handOver === 'bootc-live/root.erofs'
    const mode = `kexec, second stage (${erofs ? 'EROFS image' : 'archive'} handed over)`
    rows.push(row('sample-kexec', 'VM', mode, { archiveBytes: k.archiveBytes, inputBytes: erofs ? k.erofsBytes : k.archiveBytes, ...common }))
  }
  return rows
}

function hostRows(runs) {
  return runs.map(r =>
    r.error
      ? { image: r.image, where: 'host', mode: r.jobMemory, error: r.error }
      : row(r.image, 'host', r.jobMemory === 'kexec' ? 'kexec, first stage' : r.jobMemory, {
          archiveBytes: r.archiveBytes,
          peakBytes: r.peakBytes,
          // Nothing stays of a kexec stage: the kernel is replaced.
          keptBytes: r.jobMemory === 'kexec' ? null : r.keptBytes,
          keptPageCacheBytes: r.jobMemory === 'kexec' ? null : r.keptPageCacheBytes,
          writtenBytes: r.writtenBytes,
          zramMemUsedMaxBytes: r.zramMemUsedMaxBytes,
          peakBeforeHandOverBytes: r.peakBeforeHandOverBytes,
          handOver: r.handOver,
          nextInitrdBytes: r.nextInitrdBytes,
          cgroup: r.cgroup,
        }),
  )
}

/** results.json's `boot`: timed boots per mode, the probe boots, the job's memory per mode and the initramfs images. */
export function bootResults(lines, facts) {
  const boots = lines.filter(l => l.boot).map(derive)
  const initrds = lines.filter(l => l.initrd)
  const hostRuns = lines.filter(l => l.jobMemory)
  if (boots.length === 0 && initrds.length === 0 && hostRuns.length === 0) return undefined
  const probes = boots.filter(b => b.probe)
  const timed = boots.filter(b => !b.probe)
  const modes = [...new Set(timed.map(b => b.boot))]
  return {
    kernel: facts.bootKernel,
    date: facts.bootDate,
    sample: { archiveBytes: facts.sampleArchiveBytes, treeBytes: facts.sampleTreeBytes, kexecArchiveBytes: facts.sampleKexecArchiveBytes },
    corpus: { archiveBytes: facts.archiveBytes, treeBytes: facts.treeBytes },
    modes: modes.map(m => mode(m, timed.filter(b => b.boot === m))),
    probe: probes,
    jobMemory: [...vmRows(probes, facts), ...hostRows(hostRuns)],
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
    '| mode | MemTotal | in use before the job | job peak (memory.peak) | kept after the job (of it page cache) | zram RAM, max | glue\'s line: peak / kept (timed boots, median) | after boot: used | after boot: shared (tmpfs) | after boot: total - free |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ]
  const cells = (p, m) => {
    const x = p?.mem ?? {}
    const before = p?.memTotalKiB != null && x.availableBeforeJobKiB != null ? p.memTotalKiB - x.availableBeforeJobKiB : null
    const kept = x.jobKeptKiB == null ? 'n/a' : `${kibMib(x.jobKeptKiB)} (${kibMib(x.jobKeptPageCacheKiB)})`
    const glue = m?.job.peakMiB == null ? 'n/a' : `${m.job.peakMiB} / ${m.job.keptMiB} MiB`
    const zram = p?.zram ? mib(p.zram.memUsedMaxBytes) : ''
    return [kibMib(p?.memTotalKiB ?? m?.memTotalKiB), kibMib(before), kibMib(x.jobPeakKiB), kept, zram, glue]
  }
  for (const m of b.modes) {
    const p = b.probe.find(q => q.boot === m.mode && !q.error)
    rows.push(`| ${m.mode} | ${cells(p, m).join(' | ')} | ${kibMib(m.free.usedKiB)} | ${kibMib(m.free.sharedKiB)} | ${kibMib(m.free.inUseKiB)} |`)
  }
  const k = b.probe.find(q => q.kexec && !q.error)
  if (k) {
    const first = { memTotalKiB: k.memTotalKiB, mem: k.kexec.mem }
    rows.push(`| kexec, first stage (sampled until kexec) | ${cells(first).slice(0, 3).join(' | ')} | | | | | | |`)
    const f = k.free
    const glue = k.job ? `${k.job.peakMiB} / ${k.job.keptMiB} MiB (this boot)` : 'n/a'
    rows.push(`| kexec, second stage | ${cells(k).slice(0, 5).join(' | ')} | ${glue} | ${kibMib(f?.usedKiB)} | ${kibMib(f?.sharedKiB)} | ${kibMib(f ? f.totalKiB - f.freeKiB : null)} |`)
  }
  return rows.join('\n')
}

function initrdTable(b) {
  const rows = ['| image | dracut modules | /root.oci embedded | size (zstd) | build s |', '|---|---|---|---:|---:|']
  for (const i of b.initrd) {
    const name = i.kernel ? `${i.initrd} (kernel ${i.kernel})` : i.initrd
    rows.push(`| ${name} | ${i.modules} | ${i.embeddedArchive ? 'yes' : 'no'} | ${i.error ? `failed: ${i.error}` : mibMb(i.bytes)} | ${i.buildSec.toFixed(0)} |`)
  }
  return rows.join('\n')
}

const x = r => (r == null ? 'n/a' : `${r.toFixed(1)}x`)

/** The job's memory per image, place and mode against the original's "RAM >= 2 x the image" rule. */
function ruleTable(b) {
  const rows = [
    '| image | measured in | mode | archive | in RAM before the job | tree or image written | job peak | kept after the job (of it page cache) | zram RAM, max | RAM at the peak | x archive | ours / rule (2 x archive) |',
    '|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ]
  for (const r of b.jobMemory) {
    if (r.error) {
      rows.push(`| ${r.image} | ${r.where} | ${r.mode} | failed: ${r.error} | | | | | | | | |`)
      continue
    }
    const kept = r.keptBytes == null ? '' : `${mib(r.keptBytes)} (${mib(r.keptPageCacheBytes)})`
    const zram = r.zramMemUsedMaxBytes == null ? '' : mib(r.zramMemUsedMaxBytes)
    rows.push(`| ${r.image} | ${r.where} | ${r.mode} | ${mib(r.archiveBytes)} | ${mib(r.inputBytes)} | ${mib(r.writtenBytes)} | ${mib(r.peakBytes)} | ${kept} | ${zram} | ${mib(r.atPeakBytes)} | ${x(r.archiveMultiple)} | ${x(r.oursPerRule)} |`)
  }
  return rows.join('\n')
}

/** What the rule table says, with this run's numbers. */
function ruleFindings(b) {
  const out = []
  const find = (image, where, mode) => b.jobMemory.find(r => r.image === image && r.where === where && r.mode === mode && !r.error)
  const pairs = [
    ['sample', 'bind'],
    ['sample', 'erofs'],
    ['sample', 'erofs-zram'],
    ['sample-kexec', 'kexec, first stage'],
  ]
    .map(([image, mode]) => [mode, find(image, 'VM', mode), find(image, 'host', mode)])
    .filter(([, vm, host]) => vm?.peakBytes != null && host)
  if (pairs.length) {
    const worst = Math.max(...pairs.map(([, vm, host]) => Math.abs(vm.peakBytes - host.peakBytes) / vm.peakBytes))
    const list = pairs.map(([mode, vm, host]) => `${mode} ${mib(vm.peakBytes)} / ${mib(host.peakBytes)}`).join(', ')
    const verdict = worst <= 0.1 ? 'so the host runs stand for the guest' : 'so the host figures are approximate'
    out.push(`- The sample's job peak in the guest / on the host: ${list}; they differ by ${(100 * worst).toFixed(0)}% at most, ${verdict}.`)
  }
  for (const r of b.jobMemory.filter(q => q.image === 'corpus' && !q.error)) {
    const rest = r.peakBytes - r.writtenBytes - (r.nextInitrdBytes ?? 0)
    const next = r.nextInitrdBytes ? ` and the next initrd (${mib(r.nextInitrdBytes)}, the ${r.handOver === 'bootc-live/root.erofs' ? 'EROFS image' : 'archive'} handed over)` : ''
    let line = `- corpus, ${r.mode}: ${mib(r.atPeakBytes)} in RAM at the job's peak, ${x(r.archiveMultiple)} the archive (the rule allows 2x): the ${mib(r.writtenBytes)} written${next}, plus ${mib(rest)} for the program and caches`
    if (r.zramMemUsedMaxBytes != null) {
      const without = r.atPeakBytes - r.keptPageCacheBytes
      line += `; zram held the image in ${mib(r.zramMemUsedMaxBytes)}, and ${mib(r.keptPageCacheBytes)} of what stays is page cache of the ext4 files, which the kernel drops when memory runs short: without it, about ${mib(without)} (${x(without / r.archiveBytes)})`
    }
    out.push(`${line}.`)
  }
  const tree = b.corpus?.treeBytes && b.corpus?.archiveBytes ? b.corpus.treeBytes / b.corpus.archiveBytes : null
  if (tree) out.push(`- The corpus's tree alone is ${x(tree)} its gzip'd archive: no boot that holds the tree or an uncompressed image in RAM meets the rule, the original's included (it held archive, extracted layout and tree at once).`)
  return out.join('\n')
}

export function bootSection(b) {
  const errors = [...b.modes.flatMap(m => m.errors.map(e => `${m.mode}: ${e}`)), ...b.probe.filter(p => p.error).map(p => `${p.boot} probe: ${p.error}`)]
  return `## Live boot under QEMU TCG

Run of ${b.date ?? 'n/a'}.

\`bench/boot.sh\` embeds the sample image (\`sample/build.sh\`: busybox in 3 layers; archive
${mib(b.sample.archiveBytes)}, unpacked tree ${mib(b.sample.treeBytes)}) in an initramfs
(\`ROOT_OCI=root.oci scripts/boot/build-initrd.sh IMG shell bootc-live\`) and boots it with kernel
${b.kernel} under \`scripts/boot/run-vm.sh\` (TCG, 1 vCPU, 1024 MiB) and \`root=bootc-live:/root.oci
rd.shell=0\`, plus \`bootc.live.erofs\` in EROFS mode and \`bootc.live.erofs bootc.zram=256M\` in
erofs-zram mode; the modes take turns. The host stamps every console line as it arrives (console
logs: \`results/tmp/boot-*.log\`). QEMU start is the spawn of QEMU; kernel start is the host time at
which the kernel's clock read 0 (the smallest arrival time minus printk time of any line), so it
includes SeaBIOS and loading the kernel and initramfs; the marker is \`BOOTC-LIVE-REPORT-BEGIN\`,
printed by the sample's /sbin/init after switch_root. Unpack started is dracut's "bootc-live:
unpacking" line, summary printed the program's last line ("unpacked ... in N s" or "wrote
.../root.erofs"), which the glue holds back until the program exits; between the two are node's
start and the unpack itself. TCG runs JIT code about 100x slower than natively.

${timesTable(b)}

### Memory

The glue runs its job (fetch, unpack or EROFS build, mounts, kexec) in a cgroup of its own
(\`/sys/fs/cgroup/bootc-live-job\`, bootc-live-lib.sh) and logs \`bootc-live: job peak memory N MiB, M
MiB of it still in use after it\`: the cgroup's memory.peak counts the job's processes and every
tmpfs page they write (the tree, the EROFS image, a download, the next initrd), so it is what the job
adds to RAM; memory.current after the job is what stays (the tree or image). The archive in the
initramfs was in RAM before the job and is not in it. One more boot per mode from an image that
also holds the test module \`test/boot/modules.d/59bootc-live-test\` (not used for the times) gives
the same figures in KiB, MemTotal - MemAvailable before the job, and, for kexec mode
(\`bootc.live.erofs bootc.kexec=1\` with the kexec sample, \`sample/build-kexec.sh\`: the sample plus
a Debian cloud kernel and an initramfs our glue made for it, ${mib(b.sample.kexecArchiveBytes)}, appended
to the probe image), the first stage's peak, sampled every 0.2 s until kexec. zram's store is kernel
memory no cgroup is charged for: "zram RAM, max" is its mm_stat mem_used_max; the ext4 on it puts
the image in the page cache too, which the kernel may drop. "After boot" is the \`free\` of the
sample's report in the booted system: busybox \`free\` counts as used total - free - buff/cache, so
tmpfs contents are not in it but in shared; total - free includes them.

${memoryTable(b)}

Against the original's rule of thumb, RAM >= 2x the image (its archive): the same job runs on this
host too (\`bench/job-memory.sh\`: the glue's commands per mode on a fresh tmpfs, or ext4 on a new
zram device, inside a new memory cgroup, reading the cgroup's peak), for the sample, to check it
against the guest, and for the bench corpus, which TCG would take long to boot. For kexec mode the
host writes the EROFS image and the next initrd as the glue does, with the kexec sample's kernel and
initramfs standing in for the corpus's own (it has none); the second stage then unpacks the
handed-over archive (the erofs row) or only mounts the handed-over image. RAM at the peak is the
archive (or what was handed over) + the job's peak + zram's store; a first stage that hands over the
EROFS image has freed the archive before it writes the next initrd, so its figure is the larger of
the two steps. It leaves out the fixed cost: the kernel, the unpacked initramfs (node and its
addons) and, at kexec load, the kernel's own copy of the next kernel and initrd.

${ruleTable(b)}

${ruleFindings(b)}

### initramfs size per module set

Built by \`scripts/boot/build-initrd.sh\` (shell flavour, zstd, no host-only, kernel ${b.kernel} unless
named); base is dracut's bash and base modules alone, which every image holds. bootc-live-net adds
network-legacy (dhclient) in the shell flavour. The boot and probe images also hold the sample
archive; kexec-image is the initramfs inside the kexec sample.

${initrdTable(b)}
${errors.length ? `\nFailed boots (missing values above):\n${errors.map(e => `- ${e}`).join('\n')}\n` : ''}`
}
