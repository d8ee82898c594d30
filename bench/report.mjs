// Turns bench/results/raw.jsonl (measure.mjs and boot.sh lines, run.sh facts) into results.json, chart.svg
// and bench/README.md. usage: node bench/report.mjs bench/results/raw.jsonl

import { readFileSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { bootResults } from './boot-report.mjs'
import { chartSvg } from './chart.mjs'
import { readme } from './readme.mjs'

const MIB = 1024 * 1024
const METRICS = ['wallSec', 'cpuSec', 'maxRssBytes', 'peakTreeRssBytes', 'tempBytes', 'outputBytes', 'peakRssPlusFilesBytes']
const THROUGHPUT = new Set(['gzip', 'zstd', 'tar', 'memory'])

const rawPath = process.argv[2]
const resultsDir = dirname(rawPath)
const lines = readFileSync(rawPath, 'utf8').trim().split('\n').map(l => JSON.parse(l))
const facts = Object.fromEntries(lines.filter(l => l.fact).map(l => [l.fact, l.value]))
const runs = lines.filter(l => l.case)

function median(xs) {
  const s = [...xs].sort((a, b) => a - b)
  const mid = s.length >> 1
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2
}

/** Per case, per tool (in run order): min and median of every metric, and the runs themselves. */
function aggregate() {
  const cases = new Map()
  for (const r of runs) {
    if (!cases.has(r.case)) cases.set(r.case, new Map())
    const tools = cases.get(r.case)
    if (!tools.has(r.tool)) tools.set(r.tool, [])
    tools.get(r.tool).push(r)
  }
  return [...cases].map(([name, tools]) => ({
    case: name,
    tools: [...tools].map(([tool, rs]) => ({
      tool,
      runs: rs,
      min: Object.fromEntries(METRICS.map(m => [m, Math.min(...rs.map(r => r[m]))])),
      median: Object.fromEntries(METRICS.map(m => [m, median(rs.map(r => r[m]))])),
    })),
  }))
}

/** ours/peer: below 1 means ours is faster (or smaller). */
function ratios(c) {
  const ours = c.tools.find(t => t.tool === 'ours')
  if (!ours) return []
  return c.tools
    .filter(t => t !== ours)
    .map(t => ({
      peer: t.tool,
      wallMedian: ours.median.wallSec / t.median.wallSec,
      wallMin: ours.min.wallSec / t.min.wallSec,
      cpuMedian: ours.median.cpuSec / t.median.cpuSec,
    }))
}

/** MB/s (10^6 bytes) per tool: ours from its own timer, a peer command from its wall time. */
function throughput(c) {
  const ours = c.tools[0]
  const bytes = c.case === 'memory' ? 20000 * MIB : ours.runs[0].output.bytesOut
  return c.tools.map(t => {
    const rates = t.runs.map(r => (r.output ? r.output.mbPerSec : Math.round(bytes / r.wallSec / 1e6)))
    return { tool: t.tool, bytes, best: Math.max(...rates), median: median(rates) }
  })
}

const all = aggregate()
const timed = all.filter(c => !THROUGHPUT.has(c.case)).map(c => ({ ...c, ratios: ratios(c) }))
const rates = all.filter(c => THROUGHPUT.has(c.case)).map(c => ({ case: c.case, tools: throughput(c) }))

const erofs = timed.find(c => c.case === 'erofs')
const budgetBytes = facts.archiveBytes + 1.05 * facts.treeBytes + 150 * MIB
const budget = erofs && {
  formula: 'archive + 1.05 x tree + 150 MiB',
  budgetBytes: Math.round(budgetBytes),
  tools: erofs.tools.map(t => ({ tool: t.tool, peakBytes: Math.max(...t.runs.map(r => r.peakRssPlusFilesBytes)) })),
}

const results = {
  machine: facts.machine,
  runsPerCase: Math.max(...all.flatMap(c => c.tools.map(t => t.runs.length))),
  corpus: { archiveBytes: facts.archiveBytes, treeBytes: facts.treeBytes, treeEntries: facts.treeEntries, layoutBytes: facts.layoutBytes },
  cases: timed,
  throughput: rates,
  tarSynthetic: facts.tarSynthetic,
  erofsBudget: budget,
  sizes: facts.sizes,
  boot: bootResults(lines, facts),
}
writeFileSync(join(resultsDir, 'results.json'), `${JSON.stringify(results, null, 2)}\n`)
writeFileSync(join(resultsDir, 'chart.svg'), chartSvg(timed))
writeFileSync(join(resultsDir, '..', 'README.md'), readme(results))
console.error(`bench: wrote ${join(resultsDir, 'results.json')}, chart.svg and bench/README.md`)
