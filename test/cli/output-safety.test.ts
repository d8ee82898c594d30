// What the CLI leaves behind when it is refused an output or killed: special files and missing
// directories are refused by name before any work, and SIGTERM in the middle of a long command
// removes every temporary and partial file, then kills the process with the signal itself.

import t, { type Test } from 'tap'
import { spawn, execFileSync } from 'node:child_process'
import { lstatSync, readdirSync } from 'node:fs'
import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { PassThrough } from 'node:stream'
import { main } from '../../bin/cli/main.js'
import { tempDir } from '../helpers/fixture-dir.js'

const root = join(import.meta.dirname, '..', '..')
const small = join(root, 'test', 'vectors', 'out', 'types-pax.oci')
const work = await tempDir(t, 'bootc-live-output-safety-')

async function run(...argv: string[]): Promise<{ code: number; stderr: string }> {
  const stderr = new PassThrough()
  let err = ''
  stderr.on('data', d => (err += d))
  const code = await main(argv, { stdout: new PassThrough(), stderr: stderr as unknown as NodeJS.WriteStream })
  return { code, stderr: err }
}

t.test('special files and missing directories are refused as outputs, by the name given', async t => {
  const dev = join(work, 'dev')
  await mkdir(join(dev, 'dir'), { recursive: true })
  execFileSync('mknod', [join(dev, 'blk'), 'b', '7', '250'])
  execFileSync('mknod', [join(dev, 'chr'), 'c', '1', '3'])
  execFileSync('mkfifo', [join(dev, 'fifo')])
  const cases: Array<[string[], string]> = [
    [['erofs', small, join(dev, 'blk')], `${join(dev, 'blk')}: is a block device; refusing to replace it`],
    [['erofs', small, join(dev, 'chr')], `${join(dev, 'chr')}: is a character device; refusing to replace it`],
    [['mkfs', join(dev, 'dir'), join(dev, 'fifo')], `${join(dev, 'fifo')}: is a fifo; refusing to replace it`],
    [['erofs', small, join(dev, 'dir')], `${join(dev, 'dir')}: is a directory; refusing to replace it`],
    [['erofs', small, join(dev, 'none', 'x.img')], `${join(dev, 'none', 'x.img')}: directory ${join(dev, 'none')} does not exist`],
    [['erofs', small, ''], 'output path is empty'],
  ]
  for (const [argv, message] of cases) {
    t.same(await run(...argv), { code: 2, stderr: `bootc-live-unpack: ${message}\n` }, argv.join(' '))
  }
  t.ok(lstatSync(join(dev, 'blk')).isBlockDevice())
  t.ok(lstatSync(join(dev, 'chr')).isCharacterDevice())
  t.ok(lstatSync(join(dev, 'fifo')).isFIFO())
  t.same(readdirSync(dev).sort(), ['blk', 'chr', 'dir', 'fifo'], 'no temporary file')
})

/** Runs the CLI, sends SIGTERM once `midway()` holds, and returns how it ended. */
async function killMidway(argv: string[], midway: () => boolean) {
  const child = spawn(process.execPath, ['--import', '@tapjs/typescript/import', 'bin/bootc-live-unpack.ts', ...argv], {
    cwd: root,
    stdio: ['ignore', 'ignore', 'pipe'],
  })
  let stderr = ''
  child.stderr.on('data', d => (stderr += d))
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>(resolve =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  )
  let running = true
  void exited.then(() => (running = false))
  while (running && !midway()) await new Promise(r => setTimeout(r, 5))
  const wasMidway = running
  child.kill('SIGTERM')
  return { wasMidway, ...(await exited), stderr }
}

/**
 * Killed by the signal, or exit status 143 when a signal-exit handler of the test runner (inherited
 * through NODE_OPTIONS) delayed the default action past the CLI's own fallback exit.
 */
function diedOfSigterm(end: { wasMidway: boolean; code: number | null; signal: NodeJS.Signals | null; stderr: string }) {
  return { wasMidway: end.wasMidway, died: end.signal === 'SIGTERM' || end.code === 143, stderr: end.stderr }
}

/**
 * A docker:// reference to the small vector, served through a proxy that trickles every blob (256
 * bytes per 500 ms: its 1.4 KB layer takes ~3 s), so a command is reliably mid-work when killed.
 */
async function slowRegistryRef(t: Test): Promise<string> {
  const { startRegistry } = await import('../helpers/servers/registry.js')
  const { startFaultProxy } = await import('../helpers/servers/fault-proxy.js')
  const registry = await startRegistry()
  t.teardown(() => registry.stop())
  execFileSync('skopeo', ['copy', '--quiet', '--dest-tls-verify=false', `oci-archive:${small}`, `docker://${registry.host}/safety/vec:v1`], {
    env: { ...process.env, REGISTRY_AUTH_FILE: '/nonexistent' },
  })
  const proxy = await startFaultProxy(registry.url, [{ kind: 'trickle', chunkBytes: 256, delayMs: 500, match: /^GET .*\/blobs\//, times: 100 }])
  t.teardown(() => proxy.stop())
  return `docker://127.0.0.1:${proxy.port}/safety/vec:v1`
}

t.test('SIGTERM during unpack leaves the target empty', async t => {
  const ref = await slowRegistryRef(t)
  const target = join(work, 'rootfs')
  await mkdir(target)
  const staged = () => readdirSync(target).some(n => n.startsWith('.bootc-live-staging-') && readdirSync(join(target, n)).length > 0)
  const end = await killMidway(['unpack', ref, target, '--insecure'], staged)
  t.same(diedOfSigterm(end), { wasMidway: true, died: true, stderr: '' })
  t.same(readdirSync(target), [])
})

t.test('SIGTERM during erofs leaves no temporary image', async t => {
  const ref = await slowRegistryRef(t)
  const dir = join(work, 'erofs')
  await mkdir(dir)
  const writing = () => readdirSync(dir).some(n => n.endsWith('.tmp'))
  const end = await killMidway(['erofs', ref, join(dir, 'x.img'), '--insecure'], writing)
  t.same(diedOfSigterm(end), { wasMidway: true, died: true, stderr: '' })
  t.same(readdirSync(dir), [])
})
