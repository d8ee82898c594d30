// Runs one command once and appends one JSON line to --raw: wall, user and sys CPU and max RSS
// (GNU time), plus what GNU time cannot see, sampled every 20 ms: the peak bytes used on the output
// tmpfs (--watch; the command gets TMPDIR there) and the peak of (RSS of the whole process tree +
// those bytes).
// usage: node bench/measure.mjs --case C --tool T --watch TMPFS --raw FILE -- CMD ARGS...
// A failing command is an error (exit 1): a benchmark of a broken tool measures nothing.

import { spawn } from 'node:child_process'
import { appendFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, statfsSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'

const SAMPLE_MS = 20
const PAGE_BYTES = 4096

const { values: opt, positionals: cmd } = parseArgs({
  options: { case: { type: 'string' }, tool: { type: 'string' }, watch: { type: 'string' }, raw: { type: 'string' } },
  allowPositionals: true,
})

function usedBytes(dir) {
  const s = statfsSync(dir)
  return (s.blocks - s.bfree) * s.bsize
}

/** RSS in bytes of `root` and all its descendants (found through /proc/PID/task/TID/children). */
function treeRss(root) {
  let total = 0
  const todo = [root]
  while (todo.length > 0) {
    const pid = todo.pop()
    try {
      total += Number(readFileSync(`/proc/${pid}/statm`, 'latin1').split(' ')[1]) * PAGE_BYTES
      for (const tid of readdirSync(`/proc/${pid}/task`)) {
        const kids = readFileSync(`/proc/${pid}/task/${tid}/children`, 'latin1').trim()
        if (kids) todo.push(...kids.split(' ').map(Number))
      }
    } catch {
      // exited meanwhile
    }
  }
  return total
}

const timeDir = mkdtempSync(join(tmpdir(), 'bench-time-'))
const timeFile = join(timeDir, 'time')
const baseline = usedBytes(opt.watch)
const start = process.hrtime.bigint()
const child = spawn('/usr/bin/time', ['-f', '%e %U %S %M', '-o', timeFile, ...cmd], {
  stdio: ['ignore', 'pipe', 'pipe'],
  env: { ...process.env, TMPDIR: opt.watch }, // so that temp files of every tool are counted
})
let stdout = ''
let stderr = ''
child.stdout.on('data', d => (stdout = (stdout + d).slice(-4000)))
child.stderr.on('data', d => (stderr = (stderr + d).slice(-4000)))

let peakRss = 0
let peakTmp = 0
let peakSum = 0
function sample() {
  const tmp = usedBytes(opt.watch) - baseline
  const rss = treeRss(child.pid)
  peakRss = Math.max(peakRss, rss)
  peakTmp = Math.max(peakTmp, tmp)
  peakSum = Math.max(peakSum, rss + tmp)
}
const timer = setInterval(sample, SAMPLE_MS)
const code = await new Promise(resolve => child.on('close', resolve))
const wall = Number(process.hrtime.bigint() - start) / 1e9
clearInterval(timer)

if (code !== 0) {
  console.error(`bench: ${opt.case}/${opt.tool} failed (exit ${code}): ${cmd.join(' ')}\n${stderr}`)
  process.exit(1)
}
const [, user, sys, maxRssKiB] = readFileSync(timeFile, 'utf8').trim().split('\n').pop().split(' ').map(Number)
rmSync(timeDir, { recursive: true })
const finalBytes = usedBytes(opt.watch) - baseline
peakTmp = Math.max(peakTmp, finalBytes)
let output
try {
  output = JSON.parse(stdout.trim().split('\n').pop())
} catch {
  output = undefined // only the throughput scripts print JSON
}
const rec = {
  case: opt.case,
  tool: opt.tool,
  wallSec: Number(wall.toFixed(3)),
  cpuSec: Number((user + sys).toFixed(2)),
  userSec: user,
  sysSec: sys,
  maxRssBytes: maxRssKiB * 1024,
  peakTreeRssBytes: peakRss,
  outputBytes: finalBytes,
  tempBytes: peakTmp - finalBytes,
  peakRssPlusFilesBytes: Math.max(peakSum, finalBytes),
  ...(output === undefined ? {} : { output }),
}
appendFileSync(opt.raw, `${JSON.stringify(rec)}\n`)
console.error(`  ${opt.case.padEnd(16)} ${opt.tool.padEnd(22)} ${wall.toFixed(2).padStart(7)} s wall ${(user + sys).toFixed(2).padStart(6)} s cpu ${(maxRssKiB / 1024).toFixed(0).padStart(5)} MiB rss`)
