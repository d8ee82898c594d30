import t from 'tap'
import { execFileSync } from 'node:child_process'
import { parseLiveConfig, parseSize, shellQuote, toShell } from '../../lib/cmdline/live-config.js'
import { splitKernelArgs } from '../../lib/cmdline/kernel-args.js'
import { FormatError } from '../../lib/errors.js'

// The reference for shell safety is a real POSIX shell (dash) evaluating our output.
function evalInShell(script: string, vars: string[]): Record<string, string> {
  const out = execFileSync('/bin/sh', ['-c', `${script}\n${vars.map(v => `printf '%s\\0' "$${v}"`).join('\n')}`])
  const values = out.toString('utf8').split('\0')
  return Object.fromEntries(vars.map((v, i) => [v, values[i]!]))
}

t.test('splits like the kernel: quotes group spaces and are removed', async t => {
  t.same(splitKernelArgs(' a=1  b="x y" "c=d e" flag\tz=\n'), [
    { key: 'a', value: '1' },
    { key: 'b', value: 'x y' },
    { key: 'c', value: 'd e' },
    { key: 'flag', value: undefined },
    { key: 'z', value: '' },
  ])
})

t.test('not ours: BOOTC_LIVE=0', async t => {
  t.equal(parseLiveConfig('root=/dev/sda1 rw'), undefined)
  t.equal(parseLiveConfig('quiet'), undefined)
  t.equal(toShell(undefined), 'BOOTC_LIVE=0\n')
})

t.test('defaults match the original', async t => {
  const c = parseLiveConfig('root=bootc-live:/root.oci')!
  t.match(c, {
    source: '/root.oci', sourceKind: 'file', label: undefined, erofs: false, rw: false, rootflags: '',
    etcRw: true, varRw: true, kexec: false, kexecReuseImage: true, zramBytes: undefined, quiet: false,
    registryInsecure: false, registryAuth: undefined, netRetries: 5,
  })
})

t.test('every argument with its original spelling; last occurrence wins', async t => {
  const c = parseLiveConfig(
    'root=/dev/sda root=bootc-live:docker://reg:5000/a/b:v1 bootclabel=alt bootc.live.erofs rw ro rootflags=size=80% ' +
      'bootc.live.etc.rw=0 bootc.live.var.rw=no bootc.kexec=1 bootc.kexec.reuse-image=0 bootc.zram=512M ' +
      'bootc.zram.alg=zstd bootc.quiet bootc.registry.unsecure=1 bootc.registry.auth=/etc/auth.json bootc.net.retries=2 bootc.net.timeout=3',
  )!
  t.match(c, {
    source: 'docker://reg:5000/a/b:v1', sourceKind: 'docker', label: 'alt', erofs: true, rw: true, rootflags: 'size=80%',
    etcRw: false, varRw: false, kexec: true, kexecReuseImage: false, zramBytes: 512 * 1024 * 1024, zramAlg: 'zstd',
    quiet: true, registryInsecure: true, registryAuth: '/etc/auth.json', netRetries: 2, netTimeoutSec: 3,
  })
  t.equal(parseLiveConfig('root=bootc-live:/a rw rw=0')!.rw, false, 'rw=0 undoes rw')
  t.equal(parseLiveConfig('root=bootc-live:/a bootc.registry.insecure')!.registryInsecure, true, 'alias')
  t.equal(parseLiveConfig('root=bootc-live:https://h/x.oci')!.sourceKind, 'http')
  t.equal(parseLiveConfig('root=bootc-live:tftp://10.0.2.2/root.oci')!.sourceKind, 'urllib')
})

t.test('bad values are clear errors', async t => {
  t.throws(() => parseLiveConfig('root=bootc-live:'), FormatError)
  t.throws(() => parseLiveConfig('root=bootc-live:relative.oci'), /absolute path/)
  t.throws(() => parseLiveConfig('root=bootc-live:/a bootc.zram=lots'), /bootc.zram=lots: not a size/)
  t.throws(() => parseLiveConfig('root=bootc-live:/a bootc.net.retries=0'), /bootc.net.retries=0/)
  t.throws(() => parseSize('x', '0'), /out of range/)
  t.equal(parseSize('x', '4G'), 4 * 1024 ** 3)
  t.equal(parseSize('x', '100KiB'), 102400)
})

t.test('shell output survives eval in /bin/sh, hostile values included', async t => {
  const hostile = `it's "x" $(touch /tmp/pwned) \`id\` ; \\ end`
  const c = parseLiveConfig(`root=bootc-live:/r.oci "bootclabel=${hostile.replace(/"/g, '')}" rootflags=a,b`)!
  const got = evalInShell(toShell(c), ['BOOTC_LIVE', 'BOOTC_LIVE_LABEL', 'BOOTC_LIVE_ROOTFLAGS', 'BOOTC_LIVE_ZRAM_BYTES', 'BOOTC_LIVE_EROFS'])
  t.same(got, { BOOTC_LIVE: '1', BOOTC_LIVE_LABEL: hostile.replace(/"/g, ''), BOOTC_LIVE_ROOTFLAGS: 'a,b', BOOTC_LIVE_ZRAM_BYTES: '', BOOTC_LIVE_EROFS: '0' })
  for (const s of ["'", '', 'a b', '$HOME', 'x\ny']) {
    t.equal(evalInShell(`v=${shellQuote(s)}`, ['v']).v, s, `round trip ${JSON.stringify(s)}`)
  }
})
