// Differential test against umoci: python3's tarfile writes the layer tars, umoci appends them to
// an image (`umoci raw add-layer`) and unpacks it; the same tars' entries (as python reads them back,
// with their data offsets) go through LayerApplier. Both trees are compared line by line: kind,
// mode, owner, size, symlink target, rdev, hardlink groups and the sha256 of every file's bytes
// (ours read from the layer tar at the referenced range). Skipped when umoci or python3 is absent.

import t, { type Test } from 'tap'
import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { lstatSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { TarEntry } from '../../lib/tar/entry.js'
import { LayerApplier } from '../../lib/tree/apply.js'
import { Tree, linkCounts, walk, type Inode } from '../../lib/tree/node.js'
import { entry } from './fixtures/apply-fixtures.js'

const missing = ['umoci', 'python3'].filter(tool => {
  try {
    execFileSync('sh', ['-c', `command -v ${tool}`])
    return false
  } catch {
    return true
  }
})

// Writes layer<i>.tar from the JSON entries on stdin (file data: a pattern from the path) and
// prints the entries as read back, names as latin1 byte strings, with offset_data.
const PY = `
import json, sys, tarfile, io
spec = json.load(sys.stdin)
T = {'file': tarfile.REGTYPE, 'dir': tarfile.DIRTYPE, 'symlink': tarfile.SYMTYPE, 'hardlink': tarfile.LNKTYPE,
     'chr': tarfile.CHRTYPE, 'blk': tarfile.BLKTYPE, 'fifo': tarfile.FIFOTYPE}
R = {v: k for k, v in T.items()}
b = lambda s: s.encode('latin1').decode('utf-8', 'surrogateescape')
out = []
for i, layer in enumerate(spec['layers']):
    path = '%s/layer%d.tar' % (spec['dir'], i)
    with tarfile.open(path, 'w', format=tarfile.PAX_FORMAT) as tar:
        for e in layer:
            ti = tarfile.TarInfo(b(e['path']))
            ti.type, ti.mode, ti.uid, ti.gid, ti.mtime = T[e['type']], e['mode'], e['uid'], e['gid'], 1000000
            ti.linkname, ti.devmajor, ti.devminor = b(e['linkpath']), e['devmajor'], e['devminor']
            data = bytes((n * 7 + len(e['path'])) % 251 for n in range(e['size']))
            ti.size = len(data)
            tar.addfile(ti, io.BytesIO(data) if data else None)
    with tarfile.open(path) as tar:
        out.append([{'path': m.name.encode('utf-8', 'surrogateescape').decode('latin1'), 'type': R[m.type], 'mode': m.mode,
            'uid': m.uid, 'gid': m.gid, 'mtimeSec': int(m.mtime), 'mtimeNsec': 0, 'size': m.size if m.isreg() else 0,
            'linkpath': m.linkname.encode('utf-8', 'surrogateescape').decode('latin1'), 'devmajor': m.devmajor,
            'devminor': m.devminor, 'xattrs': None, 'dataOffset': m.offset_data} for m in tar.getmembers()])
json.dump(out, sys.stdout)
`

type Line = string

function ourListing(tree: Tree, dir: string): Line[] {
  const tars = new Map<number, Buffer>()
  const counts = linkCounts(tree)
  const groups = new Map<Inode, number>()
  const lines: Line[] = []
  for (const [path, node] of walk(tree)) {
    if (path === '') continue
    let digest = '-'
    if (node.kind === 'reg') {
      const c = node.content!
      let bytes: Uint8Array = new Uint8Array(0)
      if (c.kind === 'layer') {
        if (!tars.has(c.layer)) tars.set(c.layer, readFileSync(join(dir, `layer${c.layer}.tar`)))
        bytes = tars.get(c.layer)!.subarray(c.offset, c.offset + c.size)
      }
      digest = createHash('sha256').update(bytes).digest('hex').slice(0, 16)
    }
    const group = node.kind !== 'dir' && counts.get(node)! > 1 ? (groups.get(node) ?? groups.set(node, groups.size + 1).get(node)!) : 0
    lines.push(line(path, node.kind, node.mode, node.uid, node.gid, node.size, digest, node.target, node.rdevMajor, node.rdevMinor, group))
  }
  return lines
}

function umociListing(root: string): Line[] {
  const groups = new Map<bigint, number>()
  const lines: Line[] = []
  const visit = (rel: string): void => {
    for (const name of readdirSync(join(root, rel), { encoding: 'buffer' }).sort(Buffer.compare)) {
      const path = rel === '' ? name.toString('latin1') : `${rel}/${name.toString('latin1')}`
      const full = Buffer.from(join(root, path), 'latin1')
      const st = lstatSync(full, { bigint: true })
      const kind = st.isDirectory() ? 'dir' : st.isFile() ? 'reg' : st.isSymbolicLink() ? 'symlink' : st.isCharacterDevice() ? 'chr' : st.isBlockDevice() ? 'blk' : 'fifo'
      const target = kind === 'symlink' ? readlinkSync(full, { encoding: 'buffer' }).toString('latin1') : null
      const digest = kind === 'reg' ? createHash('sha256').update(readFileSync(full)).digest('hex').slice(0, 16) : '-'
      const rdev = Number(st.rdev)
      const group = kind !== 'dir' && st.nlink > 1n ? (groups.get(st.ino) ?? groups.set(st.ino, groups.size + 1).get(st.ino)!) : 0
      const size = kind === 'reg' ? Number(st.size) : kind === 'symlink' ? target!.length : 0
      lines.push(line(path, kind, Number(st.mode) & 0o7777, Number(st.uid), Number(st.gid), size, digest, target, (rdev >> 8) & 0xfff, (rdev & 0xff) | ((rdev >> 12) & 0xfff00), group))
      if (kind === 'dir') visit(path)
    }
  }
  visit('')
  return lines
}

function line(path: string, kind: string, mode: number, uid: number, gid: number, size: number, digest: string, target: string | null, major: number, minor: number, group: number): Line {
  const dev = kind === 'chr' || kind === 'blk' ? ` ${major}:${minor}` : ''
  return `/${path} ${kind} ${mode.toString(8).padStart(4, '0')} ${uid}:${gid} ${kind === 'dir' ? '' : `size=${size} `}${digest}${target === null ? '' : ` -> ${target}`}${dev}${group ? ` #${group}` : ''}`
}

function compare(t: Test, name: string, layers: string[][]): void {
  t.test(name, async t => {
    const dir = mkdtempSync(join(tmpdir(), 'apply-umoci-'))
    t.teardown(() => rmSync(dir, { recursive: true, force: true }))
    const spec = layers.map(layer => layer.map(s => entry(s)))
    const entries = JSON.parse(execFileSync('python3', ['-c', PY], { input: JSON.stringify({ dir, layers: spec }) }).toString()) as TarEntry[][]
    const image = join(dir, 'image')
    const run = (...args: string[]): Buffer => execFileSync('umoci', args, { stdio: ['ignore', 'pipe', 'pipe'] })
    run('init', '--layout', image)
    run('new', '--image', `${image}:t`)
    layers.forEach((_, i) => run('raw', 'add-layer', '--no-history', '--image', `${image}:t`, join(dir, `layer${i}.tar`)))
    run('unpack', '--image', `${image}:t`, join(dir, 'bundle'))
    const tree = new Tree()
    entries.forEach((layer, i) => {
      const applier = new LayerApplier(tree, i)
      for (const e of layer) applier.apply(e)
      applier.finish()
    })
    t.same(ourListing(tree, dir), umociListing(join(dir, 'bundle', 'rootfs')))
  })
}

t.test('umoci differential', { skip: missing.length > 0 ? `not installed: ${missing.join(', ')}` : false }, async t => {
  compare(t, 'replacements, whiteouts, opaque directories, hardlinks, devices', [
    [
      'd etc', 'f etc/passwd 6', 'd bin', 'f bin/su 3 m=4755', 'd usr', 'd usr/lib', 'f usr/lib/x 40 m=0600 o=1000:100',
      's lib usr/lib', 's lib64 lib', 'h usr/lib/y usr/lib/x', 'd dev', 'c dev/null 1:3 m=0666', 'b dev/sda 8:0 m=0660 o=0:6',
      'd run', 'p run/fifo m=0600', 'd tmp m=1777', 'd opt', 'f opt/a 5', 'd opt/b', 'f opt/b/c 7', 'd keep', 'f keep/k 2',
      'f todelete 9', 'd todeletedir', 'f todeletedir/f 1', 'd home', 'd home/user m=0700 o=1000:1000', 'f home/user/.rc 12 o=1000:1000',
    ],
    [
      'f .wh.todelete', 'f .wh.todeletedir', 'd opt m=0750', 'f opt/.wh..wh..opq', 'f opt/new 11', 'f lib/z 4',
      'd etc m=0700 o=5:5', 'f etc/passwd 8', 'h bin/sudo bin/su', 'f keep 3', 'f usr/lib/.wh.x', 'h lib64link lib64',
      'f lib64/w 13', 'd newdir', 'd newdir/sub', 'f newdir/sub/file 1',
    ],
    [
      'd home', 'd home/user2 o=1001:1001', 'f home/user2/.rc 3', 'f home/.wh..wh..opq', 'f bin/.wh.su', 'f /abs/file 2',
      'f ../../escape 2', 's esc ../../..', 'f esc/etc/fromesc 5', 's esc2 /', 'd esc2/tmp/x', 'h bin/su2 /usr/lib/y',
    ],
  ])
  compare(t, 'same-layer orderings and symlink-parent containment', [
    ['d a', 'f a/old 1', 'd a/sub', 'f a/sub/s 2', 'd b', 'f b/old 3', 'f c 4', 'd etc', 'f etc/hosts 5', 's l1 l2', 's l2 /etc'],
    [
      'f a/new 6', 'f a/.wh..wh..opq', 'f .wh.b', 'd b m=0700', 'f b/new 7', 'f c 8', 'f .wh.c', 'f l1/fromlink 9',
      's up ../..', 'f up/up/uptop 1', 'h hl l1/fromlink', 'd a/sub2', 'f a/sub2/z 2',
    ],
  ])
})
