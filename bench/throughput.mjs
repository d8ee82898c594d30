// Throughput probes; each prints one JSON line. Inputs are read into memory first, so only the
// work itself is timed (the peers, zcat / zstd -dc / GNU tar, are timed as whole commands).
//   node bench/throughput.mjs blobs LAYOUT       the layer blob paths of the layout's first image
//   node bench/throughput.mjs decompress LAYOUT  lib's decompress() over those blobs (1 MiB feeds)
//   node bench/throughput.mjs tar FILE...        lib's TarParser over uncompressed tars (1 MiB feeds)
//   node bench/throughput.mjs memcpy             Buffer.copy of 256 MiB buffers: the ceiling

import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { decompress } from '../dist/lib/compress/decompress.js'
import { TarParser } from '../dist/lib/tar/parser.js'

const MIB = 1024 * 1024
const FEED = MIB

function layerBlobs(layout) {
  const blob = digest => join(layout, 'blobs', ...digest.split(':'))
  const index = JSON.parse(readFileSync(join(layout, 'index.json'), 'utf8'))
  const manifest = JSON.parse(readFileSync(blob(index.manifests[0].digest), 'utf8'))
  return manifest.layers.map(l => blob(l.digest))
}

function* feeds(buf) {
  for (let i = 0; i < buf.length; i += FEED) yield buf.subarray(i, i + FEED)
}

async function* asAsync(it) {
  yield* it
}

function report(bytesIn, bytesOut, seconds, extra = {}) {
  const mbPerSec = Math.round(bytesOut / seconds / 1e6)
  console.log(JSON.stringify({ bytesIn, bytesOut, seconds: Number(seconds.toFixed(4)), mbPerSec, ...extra }))
}

async function decompressAll(layout) {
  const blobs = layerBlobs(layout).map(p => readFileSync(p))
  let bytesOut = 0
  const start = performance.now()
  for (const b of blobs) for await (const chunk of decompress(asAsync(feeds(b)), 'bench layer')) bytesOut += chunk.length
  const bytesIn = blobs.reduce((n, b) => n + b.length, 0)
  report(bytesIn, bytesOut, (performance.now() - start) / 1000)
}

function parseTars(files) {
  const tars = files.map(f => readFileSync(f))
  let entries = 0
  const start = performance.now()
  for (const tar of tars) {
    const parser = new TarParser({ entry: () => void entries++, data: () => {} })
    for (const chunk of feeds(tar)) parser.write(chunk)
    parser.end()
  }
  const bytes = tars.reduce((n, t) => n + t.length, 0)
  report(bytes, bytes, (performance.now() - start) / 1000, { entries })
}

function memcpy() {
  const src = Buffer.alloc(256 * MIB, 0xa5)
  const dst = Buffer.alloc(256 * MIB)
  src.copy(dst) // fault the pages in before timing
  const rounds = 16
  const start = performance.now()
  for (let i = 0; i < rounds; i++) src.copy(dst)
  report(rounds * src.length, rounds * src.length, (performance.now() - start) / 1000)
}

const [what, ...args] = process.argv.slice(2)
if (what === 'blobs') console.log(layerBlobs(args[0]).join('\n'))
else if (what === 'decompress') await decompressAll(args[0])
else if (what === 'tar') parseTars(args)
else if (what === 'memcpy') memcpy()
else throw new Error(`unknown probe ${what}`)
