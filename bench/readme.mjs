// bench/README.md from results.json's object: how to run, what is compared, the tables, the chart
// and an interpretation whose numbers come from this run.

import { bootSection } from './boot-report.mjs'

const MIB = 1024 * 1024
const mib = b => `${(b / MIB).toFixed(1)} MiB`
const sec = s => s.toFixed(2)
const x = r => `${r.toFixed(2)}x`

const PEERS = {
  unpack: 'umoci-raw-unpack: `umoci raw unpack` of a layout extracted beforehand (extraction not timed); tar+umoci-unpack: `tar -xf corpus.oci` into a layout, then `umoci unpack` (the original pipeline)',
  'unpack-zstd': 'no peer: umoci 0.4.7 rejects zstd layers',
  'unpack-squashed': 'the original pipeline on the one-layer archive',
  erofs: 'the original pipeline, then `mkfs.erofs -T0 -U <null uuid>` of bundle/rootfs',
  mkfs: '`mkfs.erofs -T0 -U <null uuid>` of the same directory (the unpacked corpus on tmpfs)',
  digest: 'no peer (for scale: the erofs rows write the same image)',
  registry: 'ours unpacks straight from the registry; skopeo-copy+ours: `skopeo copy docker://... oci-archive:X`, then our unpack of X (Debian docker-registry on 127.0.0.1)',
  'registry-pull': 'like for like, both only copy the blobs into an archive: ours is `bootc-live-unpack pull docker://... X.oci` (it verifies digests while streaming), the peer `skopeo copy docker://... oci-archive:X`',
}

function casesTable(cases) {
  const rows = [
    '| case | tool | runs | wall min s | wall median s | CPU median s | peak RSS MiB | temp files MiB | output MiB | ours / tool (median wall) |',
    '|---|---|---:|---:|---:|---:|---:|---:|---:|---:|',
  ]
  for (const c of cases) {
    for (const t of c.tools) {
      const r = c.ratios.find(q => q.peer === t.tool)
      const m = t.median
      rows.push(`| ${c.case} | ${t.tool} | ${t.runs.length} | ${sec(t.min.wallSec)} | ${sec(m.wallSec)} | ${sec(m.cpuSec)} | ${(m.maxRssBytes / MIB).toFixed(0)} | ${(m.tempBytes / MIB).toFixed(1)} | ${(m.outputBytes / MIB).toFixed(1)} | ${r ? x(r.wallMedian) : ''} |`)
    }
  }
  return rows.join('\n')
}

function throughputTable(rates, tarSynthetic) {
  const rows = ['| probe | tool | best MB/s | median MB/s | ours / tool (best) |', '|---|---|---:|---:|---:|']
  for (const c of rates) {
    const ours = c.tools[0]
    const ratio = t => (t === ours || c.case === 'memory' ? '' : x(ours.best / t.best))
    for (const t of c.tools) rows.push(`| ${c.case} | ${t.tool} | ${t.best} | ${t.median} | ${ratio(t)} |`)
  }
  if (tarSynthetic) rows.push(`| tar (synthetic, bench/tar-throughput.ts) | ours | ${tarSynthetic.mbPerSec} | | |`)
  return rows.join('\n')
}

function sizesTable(sizes) {
  const line = (name, s) => `| ${name} | ${mib(s.filesBytes)} | ${mib(s.libsBytes)} | ${mib(s.totalBytes)} |`
  const list = s => s.items.filter(i => i.kind === 'file').map(i => `${i.name} ${mib(i.bytes)}`).join(', ')
  return [
    '| side | files | shared libs (ldd) | total |',
    '|---|---:|---:|---:|',
    line('ours: node + esbuild bundle + native addons', sizes.ours),
    line('original: umoci, skopeo, tar, mkfs.erofs', sizes.peer),
    '',
    `Ours: ${list(sizes.ours)}. Original: ${list(sizes.peer)}.`,
  ].join('\n')
}

function interpretation(r) {
  const out = []
  for (const c of r.cases) {
    for (const q of c.ratios) {
      const verdict = q.wallMedian < 0.95 ? 'faster than' : q.wallMedian > 1.05 ? 'slower than' : 'on par with'
      out.push(`- ${c.case}: ours is ${verdict} ${q.peer} (median wall ${x(q.wallMedian)}, fastest runs ${x(q.wallMin)}, CPU ${x(q.cpuMedian)}).`)
    }
  }
  const b = r.erofsBudget
  if (b) {
    const ours = b.tools.find(t => t.tool === 'ours')
    const within = ours.peakBytes <= b.budgetBytes ? 'within' : 'over'
    const others = b.tools.filter(t => t !== ours).map(t => `${t.tool} ${mib(t.peakBytes)}`).join(', ')
    out.push(`- erofs memory budget (${b.formula} = ${mib(b.budgetBytes)}): ours peaked at ${mib(ours.peakBytes)} of RSS + temp files + image, ${within} budget (${others}).`)
  }
  const rate = (c, tool) => r.throughput.find(t => t.case === c)?.tools.find(t => t.tool === tool)?.best
  const ceiling = rate('memory', 'memcpy')
  for (const [c, peer] of [['gzip', 'zcat'], ['zstd', 'zstd'], ['tar', 'gnu-tar']]) {
    const ours = rate(c, 'ours')
    if (ours) out.push(`- ${c}: ours ${ours} MB/s vs ${peer} ${rate(c, peer)} MB/s; memory copy ceiling ${ceiling} MB/s (${((100 * ours) / ceiling).toFixed(1)}% of it).`)
  }
  const rss = c => r.cases.find(q => q.case === c)?.tools.find(t => t.tool === 'ours')?.median.maxRssBytes
  if (rss('digest') && rss('erofs')) out.push(`- digest: peak RSS ${mib(rss('digest'))} against ${mib(rss('erofs'))} for erofs, which writes the same image.`)
  const s = r.sizes
  out.push(`- size: ours ships ${mib(s.ours.totalBytes)} (the node binary alone ${mib(s.ours.items[0].bytes)}) against ${mib(s.peer.totalBytes)} for the original tools; without node, the bundle and addons are ${mib(s.ours.filesBytes - s.ours.items[0].bytes)}.`)
  return out.join('\n')
}

export function readme(r) {
  const m = r.machine
  return `# Benchmarks

\`just bench\` (as root, after \`npm run build\`) builds or reuses the corpus
(\`bench/corpus.sh\`: Debian bookworm, ${r.corpus.treeEntries} entries, ${mib(r.corpus.treeBytes)} tree,
${mib(r.corpus.archiveBytes)} gzip archive in 3 layers) and compares \`bootc-live-unpack\` with the tools
it replaces, on the same machine in the same run. \`BENCH_RUNS=5 just bench\` repeats each case 5
times (default 3); the tools of a case take turns. It measures and never fails on a slow result;
only a failing tool stops it (a failed boot or initramfs build below is only reported). The boot
part (\`bench/boot.sh\`) adds 7 dracut builds, 3 x (runs + 1) boots and one kexec boot under QEMU
TCG, and the glue's job per boot mode on this host in a memory cgroup (\`bench/job-memory.sh\`). This
file, \`results/results.json\` and \`results/chart.svg\` are regenerated by \`bench/report.mjs\`
from \`results/raw.jsonl\`.

How: outputs go to a tmpfs mounted for the run, and every tool gets \`TMPDIR\` on it; inputs are
read from the page cache. Wall time is measured around the command; CPU (user + sys) and peak RSS
come from GNU time (RSS of the largest single process); temp files are the peak bytes used on the
output tmpfs minus what is left at the end (for pipelines: the extracted layout and tree), sampled
every 20 ms along with the RSS of the whole process tree.

Peers per case:
${Object.entries(PEERS).map(([k, v]) => `- ${k}: ${v}`).join('\n')}

## Run of ${m.date}

Machine: ${m.nproc} CPUs, ${m.model}, ${mib(m.memBytes)} RAM, Linux ${m.kernel}, Node ${m.node};
${r.runsPerCase} runs per case. The machine was shared with other work, so the medians carry noise.

![wall time per case](results/chart.svg)

${casesTable(r.cases)}

### Throughput against the physical limit

Ours is timed inside node on data already in memory (lib's \`decompress\` and \`TarParser\`, 1 MiB
feeds); zcat, \`zstd -dc\` and \`cat | tar -tf -\` are whole commands reading the page cache. The
ceiling is a \`Buffer.copy\` of 256 MiB buffers (memcpy) and \`dd\` from /dev/zero to /dev/null.

${throughputTable(r.throughput, r.tarSynthetic)}

### What each side ships

${sizesTable(r.sizes)}

${r.boot ? bootSection(r.boot) : ''}
## Interpretation

${interpretation(r)}

Caveats: the corpus is read from the page cache and written to tmpfs, so disk speed plays no part
(on a real disk, the pipelines' extra copies cost more, not less). \`umoci-raw-unpack\` is
flattered: its layout (${mib(r.corpus.layoutBytes)}) was extracted untimed. Peak RSS from GNU time is per process; the pipelines
never run their steps at once, so it is comparable. Single runs on a shared machine can be off
by tens of percent; compare the min columns when medians disagree. zcat is GNU gzip's own inflate;
ours goes through node:zlib. \`dd\` copies a 1 MiB buffer that stays in cache, so only memcpy is a
memory ceiling; the synthetic tar probe beats it because the parser hands data on as subarrays
without copying. The size rows count files on disk, not what a compressed initramfs holds.
`
}
