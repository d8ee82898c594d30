import t from 'tap'
import { runCli } from '../helpers/cli.js'

const run = (argv: string[]) => runCli(...argv)

t.test('help and version', async t => {
  const help = await run(['--help'])
  t.equal(help.code, 0)
  t.match(help.stdout, /usage: bootc-live-unpack <command>/)
  t.match(help.stdout, /cmdline/)
  t.equal((await run([])).code, 2, 'no command is a usage error')
  const v = await run(['--version'])
  t.match(v.stdout, /^\d+\.\d+\.\d+\n$/)
  const ch = await run(['cmdline', '--help'])
  t.equal(ch.code, 0)
  t.match(ch.stdout, /--cmdline TEXT/)
  t.match((await run(['unpack', '--help'])).stdout, /--progress auto\|bar\|lines\|none/)
})

t.test('usage errors exit 2 with one line', async t => {
  for (const argv of [['nope'], ['cmdline', '--bogus'], ['cmdline', 'extra'], ['unpack', 'a.oci', 'dir', '--progress', 'fancy']]) {
    const r = await run(argv)
    t.equal(r.code, 2, argv.join(' '))
    t.match(r.stderr, /^bootc-live-unpack: [^\n]+\n$/, 'one line')
  }
})

t.test('errors exit 1 with one line and no stack unless --debug', async t => {
  const r = await run(['cmdline', '--cmdline', 'root=bootc-live:/a bootc.zram=huge'])
  t.equal(r.code, 1)
  t.equal(r.stderr, 'bootc-live-unpack: kernel argument bootc.zram=huge: not a size (use e.g. 512M or 4G)\n')
  const d = await run(['cmdline', '--debug', '--cmdline', 'root=bootc-live:/a bootc.zram=huge'])
  t.match(d.stderr, /\n\s+at /, 'stack with --debug')
})

t.test('cmdline prints assignments', async t => {
  const r = await run(['cmdline', '--cmdline', 'root=bootc-live:/root.oci bootc.live.erofs'])
  t.equal(r.code, 0)
  t.match(r.stdout, /^BOOTC_LIVE=1\nBOOTC_LIVE_SOURCE=\/root.oci\n/)
  t.match(r.stdout, /\nBOOTC_LIVE_EROFS=1\n/)
})

t.test('cmdline reports an image handed over by kexec, EROFS first', async t => {
  const { mkdtemp, writeFile, rm } = await import('node:fs/promises')
  const { join } = await import('node:path')
  const { tmpdir } = await import('node:os')
  const dir = await mkdtemp(join(tmpdir(), 'handover-'))
  t.teardown(() => rm(dir, { recursive: true }))
  const args = ['cmdline', '--cmdline', 'root=bootc-live:http://10.0.2.2/root.oci', '--handover-dir', dir]
  t.match((await run(args)).stdout, /\nBOOTC_LIVE_HANDOVER=''\nBOOTC_LIVE_HANDOVER_KIND=''\n$/, 'nothing handed over')
  await writeFile(join(dir, 'root.oci'), 'x')
  t.match((await run(args)).stdout, new RegExp(`\\nBOOTC_LIVE_HANDOVER=${dir}/root.oci\\nBOOTC_LIVE_HANDOVER_KIND=oci\\n$`))
  await writeFile(join(dir, 'root.erofs'), 'x')
  t.match((await run(args)).stdout, new RegExp(`\\nBOOTC_LIVE_HANDOVER=${dir}/root.erofs\\nBOOTC_LIVE_HANDOVER_KIND=erofs\\n$`))
})
