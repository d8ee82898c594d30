// Renders progress events on stderr: a redrawn bar on a TTY, one line per finished unit for consoles
// (an initramfs serial console), or nothing. Never one line per file.

import type { ProgressEvent, ProgressListener } from '../../lib/progress.js'

export type ProgressMode = 'auto' | 'bar' | 'lines' | 'none'

export const PROGRESS_MODES: readonly ProgressMode[] = ['auto', 'bar', 'lines', 'none']

interface Clock {
  now(): number
}

export function createProgress(
  mode: ProgressMode,
  out: NodeJS.WriteStream = process.stderr,
  clock: Clock = { now: () => performance.now() },
): { listener: ProgressListener | undefined; finish(): void } {
  const effective = mode === 'auto' ? (out.isTTY ? 'bar' : 'none') : mode
  if (effective === 'none') return { listener: undefined, finish() {} }
  let started = clock.now()
  let lastDraw = 0
  let drawn = false
  const listener: ProgressListener = ev => {
    const now = clock.now()
    if (ev.bytes === 0 && !ev.done) started = now
    const line = describe(ev, now - started)
    if (effective === 'lines') {
      if (ev.done) out.write(line + '\n')
      return
    }
    if (ev.done || now - lastDraw > 100) {
      out.write(`\r\x1b[K${line}`)
      lastDraw = now
      drawn = true
    }
  }
  return {
    listener,
    finish() {
      if (drawn) out.write('\n')
    },
  }
}

function describe(ev: ProgressEvent, elapsedMs: number): string {
  const what = ev.phase === 'scan' ? 'reading' : ev.phase === 'write' ? 'writing' : 'downloading'
  const layer = ev.layer !== undefined ? ` layer ${ev.layer}/${ev.layers ?? '?'}` : ''
  const size = ev.total !== undefined ? `${formatBytes(ev.bytes)}/${formatBytes(ev.total)}` : formatBytes(ev.bytes)
  const speed = elapsedMs > 0 ? ` ${formatBytes((ev.bytes * 1000) / elapsedMs)}/s` : ''
  return `${what}${layer}: ${size}${speed}${ev.done ? ' done' : ''}`
}

export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB']
  let v = n
  let u = 0
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024
    u++
  }
  return `${u === 0 ? v.toFixed(0) : v.toFixed(1)} ${units[u]}`
}
