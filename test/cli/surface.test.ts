// The CLI's surface: stdout failures, usage errors found before any network access, help that
// matches what each command accepts, and the root symlink of mkfs/digest DIR.

import t from 'tap'
import { spawn } from 'node:child_process'
import { createHash } from 'node:crypto'
import { openSync, closeSync } from 'node:fs'
import { mkdir, mkdtemp, readFile, readdir, rm, symlink, writeFile } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { runCli } from '../helpers/cli.js'

const vectors = join(import.meta.dirname, '..', 'vectors', 'out')
const root = join(import.meta.dirname, '..', '..')
const work = await mkdtemp(join(tmpdir(), 'cli-surface-'))
t.teardown(() => rm(work, { recursive: true, force: true }))

const run = runCli

/** The real program in a child process; `stdout` is a file descriptor or 'pipe' (handed to `onPipe`). */
function spawnCli(argv: string[], stdout: number | 'pipe', onPipe?: (out: NodeJS.ReadableStream & { destroy(): void }) => void) {
  const child = spawn(process.execPath, ['--import', '@tapjs/typescript/import', 'bin/bootc-live-unpack.ts', ...argv], {
    cwd: root,
    stdio: ['ignore', stdout, 'pipe'],
  })
  if (onPipe && child.stdout) onPipe(child.stdout)
  let err = ''
  child.stderr!.on('data', d => (err += d))
  return new Promise<{ code: number | null; stderr: string }>(resolve => child.on('close', code => resolve({ code, stderr: err })))
}

const image = join(work, 'ls.erofs')
const treeDir = join(work, 'tree')
await mkdir(join(treeDir, 'sub'), { recursive: true })
await writeFile(join(treeDir, 'big'), Buffer.alloc(8 << 20, 'x'))
await writeFile(join(treeDir, 'sub', 'f'), 'file below\n')
await symlink('sub', join(treeDir, 'inner-link'))
t.equal((await run('mkfs', treeDir, image, '--quiet')).code, 0)

t.test('a closed pipe or a full disk on stdout: one line, exit 1, no trace', async t => {
  const full = openSync('/dev/full', 'w')
  t.teardown(() => closeSync(full))
  const cases = [
    ['inspect', join(vectors, 'types-pax.oci')],
    ['digest', join(vectors, 'types-pax.oci')],
    ['cmdline', '--cmdline', 'root=bootc-live:/root.oci'],
    ['--help'],
    ['--version'],
  ]
  const results = await Promise.all([
    ...cases.map(argv => spawnCli(argv, full)),
    // The reader goes away before the first write, as `| head` does after its line.
    spawnCli(['ls', image, '/'], 'pipe', out => out.destroy()),
    // The reader goes away after the first chunk, while cat waits for 'drain'.
    spawnCli(['cat', image, '/big'], 'pipe', out => out.once('data', () => out.destroy())),
  ])
  for (const [i, r] of results.entries()) {
    const what = i < cases.length ? `${cases[i]![0]} >/dev/full` : i === cases.length ? 'ls | closed pipe' : 'cat | pipe closed early'
    const code = i < cases.length ? 'ENOSPC' : 'EPIPE'
    t.equal(r.stderr, `bootc-live-unpack: writing standard output: ${code}\n`, what)
    t.equal(r.code, 1, what)
  }
})

t.test('an empty DIR is a usage error, not the working directory', async t => {
  const img = join(work, 'empty.img')
  const r = await run('mkfs', '', img)
  t.equal(r.code, 2)
  t.equal(r.stderr, 'bootc-live-unpack: directory path is empty\n')
  t.notOk((await readdir(work)).includes('empty.img'), 'no image written')
})

t.test('usage errors come before any connection', async t => {
  let connections = 0
  const server = createServer(socket => {
    connections++
    socket.destroy()
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => server.close())
  const port = (server.address() as { port: number }).port
  const net = ['--retries', '0', '--timeout', '1']
  const cases: Array<[string[], RegExp]> = [
    [['inspect', `http://127.0.0.1:${port}/x.oci`, '--platform', 'linux', ...net], /invalid platform "linux"/],
    [['unpack', `docker://127.0.0.1:${port}/x:latest`, join(work, 'never'), '--label', 'foo', '--insecure', ...net], /--label does not apply to docker:\/\//],
    [['inspect', `docker://127.0.0.1:${port}/x:latest`, '--max-bytes', '10', '--insecure', ...net], /--max-bytes applies to http\(s\):\/\/ sources only/],
    [['erofs', `http://127.0.0.1:${port}/x.oci`, join(work, 'never.img'), '--refetch', ...net], /--refetch applies to docker:\/\/ sources only/],
    [['pull', `docker://127.0.0.1:${port}/x:latest`, join(work, 'never.oci'), '--max-bytes', '10', ...net], /Unknown option '--max-bytes'/],
    [['pull', `docker://127.0.0.1:${port}/x:latest`, join(work, 'never.oci'), '--normalize-label', ...net], /Unknown option '--normalize-label'/],
  ]
  for (const [argv, message] of cases) {
    const r = await run(...argv)
    t.equal(r.code, 2, argv.join(' '))
    t.match(r.stderr, message)
    t.match(r.stderr, /^bootc-live-unpack: [^\n]+\n$/, 'one line')
  }
  t.equal(connections, 0, 'nothing connected')
})

t.test("an option value starting with '-' keeps node's hint, on one line", async t => {
  for (const name of ['--retries', '--label']) {
    const r = await run('inspect', join(vectors, 'types-pax.oci'), name, '-1')
    t.equal(r.code, 2)
    t.match(r.stderr, new RegExp(`^bootc-live-unpack: inspect: Option '${name}' argument is ambiguous\\. .*use '${name}=-[^\\n]*\\n$`))
  }
})

t.test('no command: a usage line on stderr; help COMMAND is the command help', async t => {
  const none = await run()
  t.equal(none.code, 2)
  t.equal(none.stdout, '')
  t.equal(none.stderr, "bootc-live-unpack: usage: bootc-live-unpack <command> [args] [options] (see 'bootc-live-unpack --help')\n")
  const help = await run('help', 'inspect')
  t.equal(help.code, 0)
  t.equal(help.stdout, (await run('inspect', '--help')).stdout)
  t.match(help.stdout, /^usage: bootc-live-unpack inspect SOURCE \[options\]\n/)
  const bad = await run('help', 'nope')
  t.equal(bad.code, 2)
  t.equal(bad.stderr, "bootc-live-unpack: unknown command 'nope' (see 'bootc-live-unpack --help')\n")
  t.match((await run('--help')).stdout, /\n +--version +print the version\n/)
})

t.test('help lists what each command does with it', async t => {
  const progress = new Set(['inspect', 'unpack', 'erofs', 'digest', 'pull'])
  const source = new Set(['inspect', 'unpack', 'erofs', 'digest'])
  const names = [...(await run('--help')).stdout.matchAll(/^ {2}([a-z-]+) {2,}/gm)].map(m => m[1]!)
  t.same(names, ['inspect', 'unpack', 'erofs', 'mkfs', 'digest', 'ls', 'cat', 'pull', 'cmdline', 'initrd-append'])
  for (const name of names) {
    const help = (await run(name, '--help')).stdout
    t.notMatch(help.split('\n')[0], /  /, `${name}: no double space in the usage line`)
    t.equal(/--progress/.test(help), progress.has(name), `${name}: --progress listed only where there is progress`)
    t.equal(/\nSOURCE: .*oci-archive:FILE.*\n.*docker:\/\/REF/.test(help), source.has(name), `${name}: SOURCE described`)
  }
  const pull = (await run('pull', '--help')).stdout
  t.notMatch(pull, /--max-bytes|--normalize-label/, 'pull lists no option it ignores')
  const progressOff = await run('ls', image, '--progress', 'lines')
  t.equal(progressOff.code, 2, 'ls rejects --progress')
})

t.test('a symlink given as the root is followed, the ones below it are not', async t => {
  const link = join(work, 'tree-link')
  await symlink(treeDir, link)
  const viaLink = join(work, 'via-link.erofs')
  const r = await run('mkfs', link, viaLink, '--quiet')
  t.equal(r.code, 0, r.stderr)
  t.same(await readFile(viaLink), await readFile(image), 'mkfs LINK writes the bytes of mkfs DIR')
  const sha = `sha256:${createHash('sha256').update(await readFile(image)).digest('hex')}\n`
  t.equal((await run('digest', link)).stdout, sha, 'digest LINK = sha256 of the image of DIR')
  t.match((await run('ls', viaLink, '/')).stdout, /^l[rwx-]{9} \d+:\d+ 3 inner-link -> sub$/m, 'the link below the root stays a link')
})
