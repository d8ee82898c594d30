// Throughput of TarParser: builds a ~1 GiB ustar/pax tar in memory shaped like a Linux root (many
// small files, some big ones, directories, symlinks, a few PAX headers with xattrs), feeds it in
// 1 MiB chunks and prints JSON with MB/s (10^6 bytes per second, best of the runs).
// Run (bench/ is not in the build): npx esbuild --bundle --platform=node --format=esm
//   bench/tar-throughput.ts --outfile=/tmp/tar-bench.mjs && node /tmp/tar-bench.mjs [sizeMiB] [runs]

import { performance } from 'node:perf_hooks'
import { encode } from '../lib/binary/struct.js'
import { BLOCK_SIZE, paddedSize, TAR_HEADER } from '../lib/tar/header.js'
import { TarParser } from '../lib/tar/parser.js'
import { prng } from '../test/helpers/prng.js'

const MIB = 1024 * 1024
const CHUNK = MIB

interface Member {
  name: string
  typeflag: string
  size: number
  pax?: Buffer
}

/** File sizes roughly like a distribution root: half under 2 KiB, a few tens of MiB. */
function fileSize(rand: () => number): number {
  const r = rand()
  const between = (lo: number, hi: number) => lo + Math.floor(rand() * (hi - lo))
  if (r < 0.5) return between(0, 2048)
  if (r < 0.83) return between(2048, 16384)
  if (r < 0.98) return between(16384, 131072)
  if (r < 0.9995) return between(131072, 2 * MIB)
  return between(8 * MIB, 64 * MIB)
}

function paxRecord(key: string, value: Buffer): Buffer {
  const body = Buffer.concat([Buffer.from(` ${key}=`), value, Buffer.from('\n')])
  let len = body.length + 1
  while (String(len).length + body.length !== len) len++
  return Buffer.concat([Buffer.from(String(len)), body])
}

function plan(totalBytes: number, rand: () => number): Member[] {
  const members: Member[] = [
    { name: 'usr/lib/big-a', typeflag: '0', size: 100 * MIB },
    { name: 'usr/lib/big-b', typeflag: '0', size: 100 * MIB },
  ]
  let total = 200 * MIB
  for (let i = 0; total < totalBytes; i++) {
    const dir = `usr/share/d${Math.floor(i / 20)}`
    if (i % 20 === 0) members.push({ name: `${dir}/`, typeflag: '5', size: 0 })
    if (rand() < 0.05) {
      members.push({ name: `${dir}/link${i}`, typeflag: '2', size: 0 })
      continue
    }
    const size = fileSize(rand)
    const m: Member = { name: `${dir}/file${i}`, typeflag: '0', size }
    if (rand() < 0.05) m.pax = paxRecord('SCHILY.xattr.security.capability', Buffer.from('0100000200200000ff000000', 'hex'))
    members.push(m)
    total += size + 2 * BLOCK_SIZE
  }
  return members
}

function writeHeader(out: Buffer, at: number, name: string, typeflag: string, size: number): void {
  encode(TAR_HEADER, out, at, {
    name,
    mode: 0o644,
    uid: 0,
    gid: 0,
    size,
    mtime: 1700000000,
    typeflag: typeflag.charCodeAt(0),
    linkname: typeflag === '2' ? 'target' : '',
    magic: 'ustar\0',
    version: '00',
  })
  let sum = 8 * 0x20 // chksum counts as spaces; it is still zero here
  for (let i = 0; i < BLOCK_SIZE; i++) sum += out[at + i]!
  encode(TAR_HEADER, out, at, { chksum: sum })
}

function build(members: Member[]): Buffer {
  let size = 2 * BLOCK_SIZE
  for (const m of members) size += BLOCK_SIZE + paddedSize(m.size) + (m.pax ? BLOCK_SIZE + paddedSize(m.pax.length) : 0)
  const out = Buffer.alloc(size)
  let at = 0
  for (const m of members) {
    if (m.pax) {
      writeHeader(out, at, 'PaxHeaders/x', 'x', m.pax.length)
      m.pax.copy(out, at + BLOCK_SIZE)
      at += BLOCK_SIZE + paddedSize(m.pax.length)
    }
    writeHeader(out, at, m.name, m.typeflag, m.size)
    out.fill(0xa5, at + BLOCK_SIZE, at + BLOCK_SIZE + m.size)
    at += BLOCK_SIZE + paddedSize(m.size)
  }
  return out
}

function parseOnce(tar: Buffer): { entries: number; dataBytes: number; seconds: number } {
  let entries = 0
  let dataBytes = 0
  const parser = new TarParser({
    entry: () => void entries++,
    data: chunk => void (dataBytes += chunk.length),
  })
  const start = performance.now()
  for (let i = 0; i < tar.length; i += CHUNK) parser.write(tar.subarray(i, i + CHUNK))
  parser.end()
  return { entries, dataBytes, seconds: (performance.now() - start) / 1000 }
}

const sizeMiB = Number(process.argv[2] ?? 1024)
const runs = Number(process.argv[3] ?? 5)
const members = plan(sizeMiB * MIB, prng(42))
const tar = build(members)
const results = Array.from({ length: runs }, () => parseOnce(tar))
const best = Math.min(...results.map(r => r.seconds))
const first = results[0]!
console.log(
  JSON.stringify({
    tarBytes: tar.length,
    entries: first.entries,
    dataBytes: first.dataBytes,
    chunkBytes: CHUNK,
    runs,
    bestSeconds: Number(best.toFixed(4)),
    mbPerSec: Math.round(tar.length / best / 1e6),
    allMbPerSec: results.map(r => Math.round(tar.length / r.seconds / 1e6)),
  }),
)
