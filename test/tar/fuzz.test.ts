// Mutated GNU tar archives (header fields, typeflags, PAX and long-name records, truncation) fed to
// the parser in random chunks and to the indexer: each case must end in entries or a BootcLiveError,
// and both readers must reach the same outcome.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { BootcLiveError } from '../../lib/errors.js'
import { decodeHeader, TAR_HEADER } from '../../lib/tar/header.js'
import { indexTar } from '../../lib/tar/index-file.js'
import { prng } from '../helpers/prng.js'
import { gnuTarOf, parseTar } from './fixtures/helpers.js'
import { makeTree } from './fixtures/trees.js'

const CASES = 2000
const work = mkdtempSync(join(tmpdir(), 'tar-fuzz-'))
t.teardown(() => rmSync(work, { recursive: true, force: true }))
const src = join(work, 'src')
mkdirSync(src)
makeTree(src, 'full')

/** Offsets of header blocks and of the metadata records ('x', 'L', 'K') that follow them. */
function landmarks(tar: Uint8Array): { headers: number[]; records: number[] } {
  const headers: number[] = []
  const records: number[] = []
  for (let at = 0; at + 512 <= tar.length; at += 512) {
    let h: ReturnType<typeof decodeHeader> = null
    try {
      h = decodeHeader(tar.subarray(at, at + 512), at)
    } catch {
      continue // a data block
    }
    if (h === null) continue
    headers.push(at)
    if ('xLK'.includes(h.typeflag)) records.push(at + 512)
  }
  return { headers, records }
}

const F = TAR_HEADER.byName
const INTERESTING = [0x00, 0x20, 0x2f, 0x30, 0x37, 0x38, 0x3d, 0x0a, 0x7f, 0x80, 0xff]
const TYPEFLAGS = [...'0123456 7xXgLKVDSMA\0']
const PAX_SNIPPETS = ['99999999 ', '0 ', '5 a=\n', '30 GNU.sparse.major=1\n', '12 path=\n', '13 mtime=1.x\n', ' ', '=', '\n']

function mutate(base: Uint8Array, rand: () => number, marks: ReturnType<typeof landmarks>): Uint8Array {
  const tar = base.slice()
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!
  const int = (n: number) => Math.floor(rand() * n)
  const kind = int(6)
  const header = pick(marks.headers)
  if (kind === 0) {
    for (let k = 1 + int(4); k > 0; k--) tar[header + int(512)] = rand() < 0.5 ? pick(INTERESTING) : int(256)
  } else if (kind === 1) {
    tar[header + F.typeflag.offset] = pick(TYPEFLAGS).charCodeAt(0)
  } else if (kind === 2) {
    const f = pick([F.size, F.mode, F.uid, F.mtime, F.devmajor])
    const digits = rand() < 0.3 ? [0x80, ...Array.from({ length: f.size - 1 }, () => int(256))] : Array.from({ length: f.size }, () => pick(INTERESTING))
    tar.set(digits, header + f.offset)
  } else if (kind === 3 && marks.records.length > 0) {
    const at = pick(marks.records) + int(120)
    tar.set(Buffer.from(pick(PAX_SNIPPETS)), at)
  } else if (kind === 4 && marks.records.length > 0) {
    tar[pick(marks.records) + int(200)] = pick(INTERESTING)
  } else {
    return tar.subarray(0, int(tar.length))
  }
  if (rand() < 0.9) fixChecksum(tar, header)
  return tar
}

function fixChecksum(tar: Uint8Array, at: number): void {
  tar.fill(0x20, at + F.chksum.offset, at + F.chksum.offset + F.chksum.size)
  let sum = 0
  for (let i = 0; i < 512; i++) sum += tar[at + i]!
  tar.set(Buffer.from(`${sum.toString(8).padStart(6, '0')}\0 `), at + F.chksum.offset)
}

async function outcome(run: () => unknown): Promise<string> {
  try {
    const entries = (await run()) as unknown[]
    return `ok ${JSON.stringify(entries, (_k, v: unknown) => (v instanceof Map ? [...v] : v))}`
  } catch (err) {
    if (err instanceof BootcLiveError) return `error ${err.code}`
    throw err
  }
}

for (const format of ['gnu', 'posix']) {
  t.test(`${format}: ${CASES} mutated archives`, async t => {
    const base = gnuTarOf(work, src, format)
    const marks = landmarks(base)
    t.ok(marks.records.length > 0, 'the archive has metadata records to mutate')
    const rand = prng(format === 'gnu' ? 1 : 2)
    const seen = new Map<string, number>()
    for (let i = 0; i < CASES; i++) {
      const tar = mutate(base, rand, marks)
      const seed = Math.floor(rand() * 1e9)
      let parsed: string
      try {
        parsed = await outcome(() => parseTar(tar, rand() < 0.5 ? 'whole' : 'random', seed).map(p => p.entry))
      } catch (err) {
        t.fail(`case ${i}: ${String(err)}`)
        continue
      }
      const indexed = await outcome(() => indexTar(async (p, n) => tar.subarray(p, p + n), tar.length))
      if (parsed !== indexed) t.fail(`case ${i}: parser ${parsed.slice(0, 200)}, indexer ${indexed.slice(0, 200)}`)
      const key = parsed.startsWith('ok') ? 'ok' : parsed
      seen.set(key, (seen.get(key) ?? 0) + 1)
    }
    t.ok((seen.get('ok') ?? 0) > 0 && (seen.get('error TAR_FORMAT') ?? 0) > 0, `outcomes: ${JSON.stringify([...seen])}`)
  })
}
