// A reference directory built with shell tools (mknod, ln, chmod, chown, setfattr, touch) and its
// canonical listing computed with outside tools only (find, stat, sha256sum, readlink, getfattr).
// Names never pass through a JS string on their way to those tools, so non-UTF-8 bytes stay exact.

import { execFileSync } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { escapeListing } from '../../lib/tree/listing.js'

interface TeardownTest {
  teardown(fn: () => unknown): void
}

/** A fresh temp dir, removed when the test ends. */
export async function tempDir(t: TeardownTest, prefix = 'bootc-live-'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  return dir
}

/** Times: regular entries @1000000000.123456789, a few own ones, directories set last. */
const FIXTURE_SCRIPT = String.raw`
set -eu
cd "$1"
mkdir -p dir/sub a-b empty-dir sticky
printf 'hello\n' > file
: > empty
seq 1 20000 > big
printf '\000\001\377' > binary
ln file dir/hard
ln file a-b/hard2
printf x > a-b/y
printf c > dir/sub/c
printf n > "$(printf 'new\nline')"
printf e > 'eq=back\slash sp'
printf f > "$(printf '\377\376-latin')"
ln -s 'target with space' sl
ln -s /abs/dangling sl2
ln -s "$(printf '\377bad')" sl3
ln -P sl slhard
mknod null c 1 3
mknod bigdev c 300 70000
mknod loop b 7 0
mkfifo fifo
python3 -c 'import socket, sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' sock
printf s > suid; chmod 4755 suid
printf g > sgid; chmod 2755 sgid
chmod 1777 sticky
printf z > none; chmod 0 none
printf o > owned; chown 1234:5678 owned; chmod 4750 owned
chown -h 1234:5678 sl2
chown 1234:5678 dir/sub
printf c > cap
setfattr -n security.capability -v 0x0100000200040000000000000000000000000000 cap
setfattr -n user.bin -v 0x00ff10 binary
setfattr -n user.empty binary
setfattr -n 'user.eq=x' -v 0x41 file
setfattr -n "$(printf 'user.\377')" -v 0x42 file
setfattr -n user.big -v "0x$(head -c 3000 /dev/zero | tr '\0' '\253' | od -An -v -tx1 | tr -d ' \n')" big
setfattr -h -n trusted.sl -v 0x01 sl
setfattr -n user.dir -v 0x64 dir
setfattr -n trusted.overlay.opaque -v 0x79 empty-dir
setfattr -n user.root -v 0x72 .
chmod 0751 .
find . -mindepth 1 ! -type d -exec touch -h -d @1000000000.123456789 {} +
touch -h -d @1700000000.5 sl
touch -d @-1.25 empty
touch -d @4000000000.999999999 big
find . -depth -type d -exec touch -d @1200000000.000000042 {} +
touch -d @1300000000 dir/sub
`

/** Populates `dir` (existing, empty) with the reference tree; needs root (mknod, chown, trusted.*). */
export function makeFixtureDir(dir: string): void {
  execFileSync('bash', ['-c', FIXTURE_SCRIPT, 'fixture', dir], { stdio: ['ignore', 'ignore', 'inherit'] })
}

/** Runs a bash script in `dir` and splits its stdout on NUL bytes into latin1 byte strings. */
function fields(dir: string, script: string): string[] {
  const out = execFileSync('bash', ['-c', `set -eu; cd "$1"; ${script}`, 'sh', dir], { maxBuffer: 1 << 26 })
  const parts = out.toString('latin1').split('\0')
  parts.pop()
  return parts
}

/** Groups a flat field list into records of n fields, keyed by the first field (the path). */
function records(flat: string[], n: number): Map<string, string[]> {
  const map = new Map<string, string[]>()
  for (let i = 0; i < flat.length; i += n) map.set(flat[i]!, flat.slice(i + 1, i + n))
  return map
}

const TYPES: Record<string, string> = { f: 'reg', d: 'dir', l: 'symlink', c: 'chr', b: 'blk', p: 'fifo', s: 'sock' }

/** The canonical listing of `dir` (see lib/tree/listing.ts) computed with coreutils, findutils and attr. */
export function externalListing(dir: string, opts: { mtime?: boolean } = {}): string[] {
  const found = records(fields(dir, `find . -printf '%p\\0%y\\0%i\\0%n\\0'`), 4)
  const stats = records(fields(dir, `find . -print0 | xargs -0 stat --printf '%n\\0%a\\0%u\\0%g\\0%s\\0%Hr\\0%Lr\\0%.9Y\\0'`), 8)
  const sums = new Map<string, string>()
  for (const rec of fields(dir, `find . -type f -print0 | xargs -0 -r sha256sum -z`)) sums.set(rec.slice(66), rec.slice(0, 64))
  const targets = records(fields(dir, `find . -type l -print0 | while IFS= read -r -d '' f; do printf '%s\\0' "$f"; readlink -z -- "$f"; done`), 2)
  const xattrs = records(fields(dir, `find . -print0 | while IFS= read -r -d '' f; do printf '%s\\0' "$f"; getfattr -h -d -m - -e hex --absolute-names -- "$f"; printf '\\0'; done`), 2)

  const paths = [...found.keys()].sort(walkOrder)
  const firstOfInode = new Map<string, string>()
  return paths.map(p => {
    const [y, ino, nlink] = found.get(p)!
    const [mode, uid, gid, size, major, minor, mtime] = stats.get(p)!
    const type = TYPES[y!]!
    const path = escapeListing(p === '.' ? '/' : p.slice(1))
    if (!firstOfInode.has(ino!)) firstOfInode.set(ino!, path)
    const line = [
      path,
      type,
      mode!.padStart(4, '0'),
      `${uid}:${gid}`,
      `size=${type === 'reg' ? size : '-'}`,
      `sha256=${sums.get(p) ?? '-'}`,
      `target=${targets.has(p) ? escapeListing(targets.get(p)![0]!) : '-'}`,
      `rdev=${type === 'chr' || type === 'blk' ? `${major}:${minor}` : '-'}`,
      `xattrs=${parseGetfattr(xattrs.get(p)![0]!)}`,
      `link=${type !== 'dir' && Number(nlink) > 1 ? firstOfInode.get(ino!) : '-'}`,
    ]
    if (opts.mtime) line.push(`mtime=${canonicalTime(mtime!)}`)
    return line.join(' ')
  })
}

/** Depth-first pre-order with byte-ordered children = comparing paths component by component. */
function walkOrder(a: string, b: string): number {
  const x = a.split('/')
  const y = b.split('/')
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    if (x[i] !== y[i]) return x[i]! < y[i]! ? -1 : 1
  }
  return x.length - y.length
}

/** getfattr -e hex prints `name=0xhex` per line with octal escapes (\075 for '=') in names. */
function parseGetfattr(block: string): string {
  const attrs = block
    .split('\n')
    .filter(l => l !== '' && !l.startsWith('#'))
    .map(l => {
      const eq = l.indexOf('=')
      const name = l.slice(0, eq).replace(/\\(\d{3}|\\)/g, (_, o: string) => (o === '\\' ? '\\' : String.fromCharCode(parseInt(o, 8))))
      return [name, l.slice(eq + 3)] as const
    })
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
  return attrs.length === 0 ? '-' : attrs.map(([n, v]) => `${escapeListing(n)}=${v}`).join(';')
}

/** stat's signed decimal seconds ("-1.250000000") as <floor sec>.<nsec 9 digits>. */
function canonicalTime(decimal: string): string {
  const [whole, frac = ''] = decimal.split('.')
  const ns = BigInt(`${whole}${frac.padEnd(9, '0')}`) // the sign applies to the whole decimal
  const nsec = ((ns % 1_000_000_000n) + 1_000_000_000n) % 1_000_000_000n
  return `${(ns - nsec) / 1_000_000_000n}.${String(nsec).padStart(9, '0')}`
}
