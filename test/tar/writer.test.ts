import { execFile } from 'node:child_process'
import { createHash } from 'node:crypto'
import { createWriteStream } from 'node:fs'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { promisify } from 'node:util'
import t from 'tap'
import { writeTar, paxBody, type TarWriteEntry } from '../../lib/tar/writer.js'

const run = promisify(execFile)

const LONG = `blobs/sha512/${'ab'.repeat(64)}` // 141 bytes: needs a PAX path record
const DEEP = `${'d'.repeat(90)}/${'e'.repeat(90)}/file.txt`

async function* chunks(...parts: string[]): AsyncGenerator<Buffer> {
  for (const p of parts) yield Buffer.from(p)
}

function entries(): TarWriteEntry[] {
  return [
    { name: 'oci-layout', type: 'file', size: 5, body: () => chunks('hel', 'lo') },
    { name: 'blobs', type: 'dir' },
    { name: 'blobs/sha512/', type: 'dir', mode: 0o700 },
    { name: LONG, type: 'file', size: 1000, body: () => chunks('x'.repeat(600), 'y'.repeat(400)) },
    { name: DEEP, type: 'file', size: 3, body: () => chunks('abc'), mode: 0o600, mtimeSec: 1_700_000_000 },
    { name: 'empty', type: 'file', size: 0 },
  ]
}

async function writeToFile(path: string, list: TarWriteEntry[]): Promise<void> {
  await pipeline(Readable.from(writeTar(list)), createWriteStream(path))
}

t.test('GNU tar and python tarfile read what the writer wrote, long names included', async t => {
  const dir = await mkdtemp(join(tmpdir(), 'tar-writer-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  const tarPath = join(dir, 'out.tar')
  await writeToFile(tarPath, entries())

  const { stdout } = await run('tar', ['-tvf', tarPath])
  const lines = stdout.trim().split('\n')
  t.same(lines.map(l => l.split(/\s+/).pop()), ['oci-layout', 'blobs/', 'blobs/sha512/', LONG, DEEP, 'empty'])
  t.match(lines[2], /^drwx------ 0\/0 /, 'directory mode and owner as given')
  t.match(lines[4], /^-rw------- 0\/0 +3 2023-11-1/, 'mode, size and mtime of the deep file')

  await run('tar', ['-xf', tarPath, '-C', dir])
  t.equal(await readFile(join(dir, LONG), 'utf8'), 'x'.repeat(600) + 'y'.repeat(400))
  t.equal(await readFile(join(dir, DEEP), 'utf8'), 'abc')

  const py = [
    'import sys, tarfile, hashlib, json',
    'out = []',
    'with tarfile.open(sys.argv[1]) as tf:',
    '    for m in tf.getmembers():',
    '        data = tf.extractfile(m).read() if m.isfile() else b""',
    '        out.append([m.name, m.type.decode(), m.size, m.mode, m.uid, m.gid, m.mtime, hashlib.sha256(data).hexdigest()[:12]])',
    'print(json.dumps(out))',
  ].join('\n')
  const parsed = JSON.parse((await run('python3', ['-c', py, tarPath])).stdout) as unknown[][]
  const sha = (s: string) => createHash('sha256').update(s).digest('hex').slice(0, 12)
  t.same(parsed, [
    ['oci-layout', '0', 5, 0o644, 0, 0, 0, sha('hello')],
    ['blobs', '5', 0, 0o755, 0, 0, 0, sha('')],
    ['blobs/sha512', '5', 0, 0o700, 0, 0, 0, sha('')],
    [LONG, '0', 1000, 0o644, 0, 0, 0, sha('x'.repeat(600) + 'y'.repeat(400))],
    [DEEP, '0', 3, 0o600, 0, 0, 1_700_000_000, sha('abc')],
    ['empty', '0', 0, 0o644, 0, 0, 0, sha('')],
  ])
  const size = (await readFile(tarPath)).length
  t.equal(size % 512, 0, 'whole blocks')
})

t.test('a body that does not match its declared size fails, naming the entry', async t => {
  const dir = await mkdtemp(join(tmpdir(), 'tar-writer-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  await t.rejects(writeToFile(join(dir, 'a.tar'), [{ name: 'short', type: 'file', size: 10, body: () => chunks('abc') }]),
    { code: 'SIZE_MISMATCH', message: 'tar entry short: size mismatch: got 3, want 10' })
  await t.rejects(writeToFile(join(dir, 'b.tar'), [{ name: 'long', type: 'file', size: 2, body: () => chunks('abc') }]),
    { code: 'SIZE_MISMATCH', message: 'tar entry long: size mismatch: got 3, want 2' })
})

t.test('pax record lengths count their own digits: GNU tar reads names around the 999/1000 boundary', async t => {
  const dir = await mkdtemp(join(tmpdir(), 'tar-writer-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  // A record is "LEN path=NAME\n": names of 985..1000 bytes put LEN on both sides of 999/1000.
  const names = Array.from({ length: 16 }, (_, i) => `${'n'.repeat(984 + i)}${String.fromCharCode(97 + i)}`)
  const tarPath = join(dir, 'names.tar')
  await writeToFile(tarPath, names.map((name): TarWriteEntry => ({ name, type: 'file', size: 0 })))
  const { stdout } = await run('tar', ['-tf', tarPath])
  t.same(stdout.trim().split('\n'), names)
  const body = paxBody(new Map([['path', Buffer.from(names[15]!)]]))
  t.equal(body.toString('latin1').split(' ')[0], String(body.length))
})
