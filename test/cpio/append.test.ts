// kexec hand-over initrds: the base initramfs stays first and byte-identical; what follows is a
// newc archive GNU cpio reads, holding the handed-over files intact.

import t from 'tap'
import { execFileSync } from 'node:child_process'
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { appendToInitrd } from '../../lib/cpio/append.js'
import { main } from '../../bin/cli/main.js'
import { PassThrough } from 'node:stream'

const work = await mkdtemp(join(tmpdir(), 'initrd-'))
t.teardown(() => rm(work, { recursive: true, force: true }))

t.test('base first and unchanged, then a cpio with the handed-over files', async t => {
  const tree = join(work, 'tree')
  await mkdir(join(tree, 'kernel/x86/microcode'), { recursive: true })
  await writeFile(join(tree, 'kernel/x86/microcode/GenuineIntel.bin'), 'ucode')
  // A base like dracut's: an uncompressed early cpio followed by a gzip'd main one, odd length.
  const early = execFileSync('sh', ['-c', 'find kernel | cpio -o -H newc --quiet'], { cwd: tree })
  const main_ = execFileSync('sh', ['-c', 'echo init > init && echo init | cpio -o -H newc --quiet | gzip -9'], { cwd: tree })
  const base = join(work, 'base.img')
  await writeFile(base, Buffer.concat([early, main_, Buffer.from('x')]))
  const archive = join(work, 'root.oci')
  const payload = Buffer.alloc(300_001, 7)
  payload.write('the archive', 1000)
  await writeFile(archive, payload)

  const out = join(work, 'next.img')
  const size = await appendToInitrd(base, out, [{ name: 'bootc-live/root.oci', source: archive }])
  const bytes = await readFile(out)
  t.equal(bytes.length, size)
  const baseBytes = await readFile(base)
  t.same(bytes.subarray(0, baseBytes.length), baseBytes, 'the base initramfs is first, unchanged')
  const start = baseBytes.length + ((4 - (baseBytes.length % 4)) % 4)
  t.same(bytes.subarray(baseBytes.length, start), Buffer.alloc(start - baseBytes.length), 'zero padding to a 4-byte boundary')
  await writeFile(join(work, 'tail.cpio'), bytes.subarray(start))
  const listing = execFileSync('cpio', ['-t', '--quiet', '-F', join(work, 'tail.cpio')], { encoding: 'utf8' })
  t.same(listing.trim().split('\n'), ['bootc-live', 'bootc-live/root.oci'])
  const x = join(work, 'x')
  await mkdir(x)
  execFileSync('cpio', ['-i', '--quiet', '--make-directories', '-F', join(work, 'tail.cpio')], { cwd: x })
  t.same(await readFile(join(x, 'bootc-live/root.oci')), payload, 'handed-over file intact')
})

t.test('the CLI checks its NAME=FILE arguments', async t => {
  const err = new PassThrough()
  let text = ''
  err.on('data', d => (text += d))
  const code = await main(['initrd-append', join(work, 'base.img'), join(work, 'o.img'), 'no-equals'], {
    stdout: new PassThrough(),
    stderr: err as unknown as NodeJS.WriteStream,
  })
  t.equal(code, 2)
  t.match(text, /'no-equals' is not NAME=FILE/)
  await t.rejects(appendToInitrd(join(work, 'base.img'), join(work, 'o.img'), [{ name: '/abs', source: join(work, 'root.oci') }]), /must be a relative path/)
})

t.test('bad hand-over names are usage errors naming the NAME, before anything is written', async t => {
  const base = join(work, 'base.img')
  const file = join(work, 'root.oci')
  const out = join(work, 'bad.img')
  const cases: Array<[string[], RegExp]> = [
    [['a', 'a'], /^hand-over name "a": given twice$/],
    [['a', 'a/b'], /^hand-over name "a\/b": its directory "a" is also a file$/],
    [['a/b', 'a'], /^hand-over name "a": is also the directory of another name$/],
    [['x\ny'], /^hand-over name "x\\ny": holds a control character$/],
    [['a//b'], /^hand-over name "a\/\/b": must be a relative path without empty/],
    [['./a'], /^hand-over name "\.\/a": must be a relative path/],
    [[`d/${'n'.repeat(4094)}`], /^hand-over name "d\/n+": 4097 bytes with the NUL, more than the kernel's PATH_MAX \(4096\)$/],
  ]
  for (const [names, message] of cases) {
    await t.rejects(appendToInitrd(base, out, names.map(name => ({ name, source: file }))), { code: 'USAGE', message }, names.join(' '))
  }
  // The longest name the kernel takes: 4095 bytes plus the NUL; GNU cpio reads it back.
  const longest = `d/${'n'.repeat(4093)}`
  await appendToInitrd(base, out, [{ name: longest, source: file }])
  const baseLength = (await readFile(base)).length
  await writeFile(join(work, 'long.cpio'), (await readFile(out)).subarray(baseLength + ((4 - (baseLength % 4)) % 4)))
  t.equal(execFileSync('cpio', ['-t', '--quiet', '-F', join(work, 'long.cpio')], { encoding: 'utf8' }), `d\n${longest}\n`)
})

t.test('a directory as INITRD or FILE is refused by name', async t => {
  const out = join(work, 'dir.img')
  await t.rejects(appendToInitrd(work, out, [{ name: 'a', source: join(work, 'root.oci') }]),
    { code: 'USAGE', message: `initramfs: ${work}: not a regular file` })
  await t.rejects(appendToInitrd(join(work, 'base.img'), out, [{ name: 'a', source: work }]),
    { code: 'USAGE', message: `hand-over a: ${work}: not a regular file` })
  await t.rejects(readFile(out), { code: 'ENOENT' }, 'nothing written')
})
