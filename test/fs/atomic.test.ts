// The atomic writer: the output is checked before any work (special files, the inputs, a missing
// directory are refused by name), temporary files never stay, and an interrupt removes them.

import t from 'tap'
import { execFileSync } from 'node:child_process'
import { existsSync, lstatSync } from 'node:fs'
import { link, mkdir, readdir, readFile, symlink, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { UsageError } from '../../lib/errors.js'
import { writeAtomically } from '../../lib/fs/atomic.js'
import { runInterruptCleanups } from '../../lib/fs/interrupt.js'
import { writeOciArchive } from '../../lib/oci/write-archive.js'
import { tempDir } from '../helpers/fixture-dir.js'

const dir = await tempDir(t, 'bootc-live-atomic-')
execFileSync('mknod', [join(dir, 'blk'), 'b', '7', '250'])
execFileSync('mknod', [join(dir, 'chr'), 'c', '1', '3'])
execFileSync('mkfifo', [join(dir, 'fifo')])
await mkdir(join(dir, 'sub'))
await writeFile(join(dir, 'input'), 'input bytes')
await link(join(dir, 'input'), join(dir, 'input-link'))
await writeFile(join(dir, 'file'), 'not a directory')

const neverCalled = async () => {
  throw new Error('write ran although the output was refused')
}

t.test('refuses outputs rename() would wrongly replace, naming the path given, before writing', async t => {
  const cases: Array<[string, string[], RegExp]> = [
    ['blk', [], /^.*\/blk: is a block device; refusing to replace it$/],
    ['chr', [], /\/chr: is a character device; refusing to replace it$/],
    ['fifo', [], /\/fifo: is a fifo; refusing to replace it$/],
    ['sub', [], /\/sub: is a directory; refusing to replace it$/],
    ['input', [join(dir, 'input')], /\/input: is the same file as the input .*\/input; refusing/],
    ['input-link', [join(dir, 'input')], /\/input-link: is the same file as the input/],
    ['missing/x.img', [], /\/missing\/x\.img: directory .*\/missing does not exist$/],
    ['file/x.img', [], /\/file\/x\.img: .*\/file is not a directory$/],
  ]
  for (const [name, inputs, message] of cases) {
    await t.rejects(writeAtomically(join(dir, name), neverCalled, { inputs }), UsageError, name)
    await t.rejects(writeAtomically(join(dir, name), neverCalled, { inputs }), message, name)
  }
  await t.rejects(writeAtomically('', neverCalled), { code: 'USAGE', message: 'output path is empty' })
  t.ok(lstatSync(join(dir, 'blk')).isBlockDevice() && lstatSync(join(dir, 'chr')).isCharacterDevice())
  t.ok(lstatSync(join(dir, 'fifo')).isFIFO())
  t.equal(await readFile(join(dir, 'input'), 'utf8'), 'input bytes')
})

t.test('replaces a regular file or a symlink (not its target) and leaves no temporary file', async t => {
  await writeFile(join(dir, 'old'), 'old')
  await symlink('input', join(dir, 'sym'))
  for (const name of ['old', 'sym', 'new']) {
    t.equal(await writeAtomically(join(dir, name), async tmp => (await writeFile(tmp, name), 7), { inputs: [join(dir, 'input')] }), 7)
    t.equal(await readFile(join(dir, name), 'utf8'), name)
  }
  t.equal(await readFile(join(dir, 'input'), 'utf8'), 'input bytes')
  await t.rejects(writeAtomically(join(dir, 'failed'), async tmp => {
    await writeFile(tmp, 'partial')
    throw new Error('boom')
  }), /boom/)
  t.same((await readdir(dir)).filter(n => n.includes('.tmp') || n === 'failed'), [])
})

t.test('an interrupt while writing removes the temporary file', async t => {
  let tmpPath = ''
  await t.rejects(writeAtomically(join(dir, 'interrupted'), async tmp => {
    tmpPath = tmp
    await writeFile(tmp, 'partial')
    runInterruptCleanups() // what bin/cli/signals.ts does on SIGTERM
    t.notOk(existsSync(tmp), 'removed by the interrupt cleanup')
  }), { code: 'ENOENT', syscall: 'rename' })
  t.match(tmpPath, /\/\.interrupted\.[0-9a-f]{12}\.tmp$/)
})

t.test('writeOciArchive checks its output the same way before reading any layer', async t => {
  const contents = {
    manifest: { descriptor: { mediaType: 'x', digest: `sha256:${'0'.repeat(64)}`, size: 0 }, bytes: new Uint8Array() },
    config: { descriptor: { mediaType: 'x', digest: `sha256:${'1'.repeat(64)}`, size: 0 }, bytes: new Uint8Array() },
    layers: [],
  }
  await t.rejects(writeOciArchive(join(dir, 'chr'), contents), { code: 'USAGE', message: /\/chr: is a character device; refusing/ })
  await t.rejects(writeOciArchive(join(dir, 'input'), contents, { inputs: [join(dir, 'input')] }), { code: 'USAGE' })
  t.ok(lstatSync(join(dir, 'chr')).isCharacterDevice())
})
