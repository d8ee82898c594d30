import t from 'tap'
import { execFileSync } from 'node:child_process'
import { closeSync, ftruncateSync, openSync, readFileSync, writeFileSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { copyFiles } from '../../lib/native.js'
import { tempDir } from '../helpers/fixture-dir.js'

/** [from, length, pos]: one span of a source file into the output. */
type Part = [from: number, length: number, pos: number]

/** The output dd(1) makes from the same spans over a zero file of `size` bytes. */
function ddReference(out: string, size: number, jobs: Array<[src: string, parts: Part[]]>): Buffer {
  writeFileSync(out, '')
  ftruncateSync(openSync(out, 'r+'), size)
  for (const [src, parts] of jobs) {
    for (const [from, length, pos] of parts) {
      execFileSync('dd', [`if=${src}`, `of=${out}`, 'bs=65536', `skip=${from}`, `seek=${pos}`, `count=${length}`,
        'iflag=skip_bytes,count_bytes', 'oflag=seek_bytes', 'conv=notrunc', 'status=none'])
    }
  }
  return readFileSync(out)
}

/** Runs copyFiles over `jobs` into a fresh `out` of `size` bytes and returns its bytes. */
async function copied(out: string, size: number, jobs: Array<[src: string, parts: Part[]]>): Promise<Buffer> {
  const fd = openSync(out, 'w')
  try {
    ftruncateSync(fd, size)
    const spans = jobs.flatMap(([, parts], i) => parts.map(([from, length, pos]) => [i, from, length, pos]))
    await copyFiles(fd, jobs.map(([src]) => Buffer.from(src)), new Float64Array(spans.flat()))
  } finally {
    closeSync(fd)
  }
  return readFileSync(out)
}

function pattern(size: number, seed: number): Buffer {
  const b = Buffer.alloc(size)
  for (let i = 0; i < size; i++) b[i] = (i * 31 + seed + (i >> 9)) & 0xff
  return b
}

t.test('copies spans as dd does, whichever way the kernel allows', async t => {
  const disk = await tempDir(t) // /tmp: usually not the tmpfs below
  const shm = await mkdtemp('/dev/shm/bootc-live-')
  t.teardown(() => rm(shm, { recursive: true, force: true }))
  const big = 3 * 1024 * 1024 + 123 // more than one 1 MiB round
  for (const d of [disk, shm]) {
    writeFileSync(join(d, 'big'), pattern(big, 1))
    writeFileSync(join(d, 'small'), pattern(5000, 2))
    writeFileSync(join(d, 'zeros'), Buffer.alloc(2 * 1024 * 1024))
  }
  const cmdline = `/proc/${process.pid}/cmdline` // neither copy_file_range nor splice: pread/pwrite
  const size = 8 * 1024 * 1024
  for (const [how, src, out] of [
    ['same file system (copy_file_range)', shm, join(shm, 'out')],
    ['across file systems (splice)', disk, join(shm, 'out')],
    ['disk to disk', disk, join(disk, 'out')],
  ] as const) {
    const jobs: Array<[string, Part[]]> = [
      [join(src, 'big'), [[0, 3 * 1024 * 1024, 4096], [3 * 1024 * 1024, 123, 100]]],
      [join(src, 'small'), [[4096, 904, 300], [0, 4096, 4 * 1024 * 1024]]],
      [join(src, 'zeros'), [[0, 2 * 1024 * 1024, 5 * 1024 * 1024]]],
      [cmdline, [[0, readFileSync(cmdline).length, 7 * 1024 * 1024]]],
    ]
    const got = await copied(out, size, jobs)
    t.ok(got.equals(ddReference(`${out}.ref`, size, jobs)), how)
  }
})

t.test('copies spans into a Buffer', async t => {
  const dir = await tempDir(t)
  const data = pattern(10_000, 3)
  writeFileSync(join(dir, 'f'), data)
  const out = Buffer.alloc(3000, 0xee)
  await copyFiles(out, [Buffer.from(join(dir, 'f'))], new Float64Array([0, 9000, 1000, 100, 0, 0, 10, 2990]))
  const want = Buffer.alloc(3000, 0xee)
  data.copy(want, 100, 9000, 10_000)
  data.copy(want, 2990, 0, 10)
  t.ok(out.equals(want), 'the spans land at their offsets, the rest is untouched')
  await t.rejects(copyFiles(out, [Buffer.from(join(dir, 'f'))], new Float64Array([0, 0, 11, 2990])), RangeError, 'past its end')
})

t.test('a file shorter than its spans is a size mismatch naming it', async t => {
  const dir = await tempDir(t)
  writeFileSync(join(dir, 'short'), 'abc')
  await t.rejects(copied(join(dir, 'out'), 4096, [[join(dir, 'short'), [[0, 2, 0], [2, 3, 100]]]]), {
    code: 'SIZE_MISMATCH',
    message: `${join(dir, 'short')}: file shrank while reading: size mismatch: got 3, want 5`,
  })
})

t.test('a missing file fails as Node fs would open it', async t => {
  const dir = await tempDir(t)
  const missing = join(dir, 'missing')
  let want: NodeJS.ErrnoException | undefined
  try {
    openSync(missing, 'r')
  } catch (err) {
    want = err as NodeJS.ErrnoException
  }
  await t.rejects(copied(join(dir, 'out'), 4096, [[missing, [[0, 1, 0]]]]), {
    message: want!.message, code: 'ENOENT', syscall: 'open', path: missing, errno: want!.errno,
  })
})

t.test('arguments are checked before any work', async t => {
  const fd = openSync('/dev/null', 'w')
  t.teardown(() => closeSync(fd))
  const path = [Buffer.from('/dev/null')]
  for (const bad of [[1, 0, 0, 0], [0, -1, 0, 0], [0, 0, 0.5, 0], [0, 0, 0, 2 ** 53], [0, 0, 0]]) {
    await t.rejects(copyFiles(fd, path, new Float64Array(bad)), bad.length === 3 ? TypeError : RangeError, `span ${bad}`)
  }
  await t.rejects(copyFiles(fd, [Buffer.from('a\0b')], new Float64Array([0, 0, 0, 0])), TypeError)
})
