// The npm package as users get it: `npm pack` ships the built library and binary with type
// declarations, the exports map resolves, and the installed binary runs. Needs `npm run build`
// first (scripts/test.sh does it).

import t from 'tap'
import { execFileSync } from 'node:child_process'
import { join } from 'node:path'

const root = join(import.meta.dirname, '..')

t.test('npm pack ships dist/lib, dist/bin and their declarations', async t => {
  const out = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: root, encoding: 'utf8' })
  const files = new Set((JSON.parse(out) as Array<{ files: Array<{ path: string }> }>)[0]!.files.map(f => f.path))
  for (const f of ['dist/lib/index.js', 'dist/lib/index.d.ts', 'dist/bin/bootc-live-unpack.js', 'dist/lib/erofs/mkfs.d.ts', 'binding.gyp', 'native/bootc_live_native.c', 'package.json', 'README.md']) {
    t.ok(files.has(f), `packs ${f}`)
  }
  t.notOk([...files].some(f => f.startsWith('test/') || f.startsWith('lib/')), 'no tests or TypeScript sources')
})

t.test('the exports map resolves the built library by its name', async t => {
  const script = "import * as m from 'bootc-live'; console.log([typeof m.openSource, typeof m.unpackImage, typeof m.writeErofs, typeof m.BootcLiveError].join(' '))"
  const out = execFileSync('node', ['--input-type=module', '-e', script], { cwd: root, encoding: 'utf8' })
  t.equal(out.trim(), 'function function function function')
})

t.test('the binary runs through npx', async t => {
  const out = execFileSync('npx', ['--no-install', 'bootc-live-unpack', '--help'], { cwd: root, encoding: 'utf8' })
  t.match(out, /^usage: bootc-live-unpack <command>/)
})

t.test('the initramfs bundle (from the TypeScript entry, as the boot tests make it) has every command', async t => {
  const { mkdtemp, rm } = await import('node:fs/promises')
  const { tmpdir } = await import('node:os')
  const { COMMAND_LOADERS } = await import('../bin/cli/commands/index.js')
  const out = await mkdtemp(join(tmpdir(), 'bundle-'))
  t.teardown(() => rm(out, { recursive: true, force: true }))
  execFileSync('bash', ['scripts/boot/bundle.sh', out], { cwd: root, env: { ...process.env, BOOTC_LIVE_ENTRY: 'bin/bootc-live-unpack.ts' } })
  for (const [name, load] of COMMAND_LOADERS) {
    t.equal((await load()).name, name, `loader '${name}' loads that command`)
    const help = execFileSync('node', [join(out, 'bootc-live-unpack.mjs'), name, '--help'], { encoding: 'utf8' })
    t.match(help, new RegExp(`^usage: bootc-live-unpack ${name} `), `the bundle runs '${name}'`)
  }
})
