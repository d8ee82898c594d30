// Layer application: replacement rules, the root, hardlinks, symlink parents, devices, xattrs.

import t from 'tap'
import { FormatError, UnsafePathError } from '../../lib/errors.js'
import { applyLayer } from '../../lib/tree/apply.js'
import { Tree } from '../../lib/tree/node.js'
import { build, entry, render, runCases } from './fixtures/apply-fixtures.js'

runCases([
  {
    name: 'directory over directory updates attributes, replaces the xattr set, keeps children',
    layers: [['d etc m=0700 o=1:1 x=user.a:1 t=5', 'f etc/x 1'], ['d etc m=0750 o=2:3 x=user.b:2']],
    want: ['/etc dir 0750 2:3 x=user.b:2', '/etc/x reg 0644 0:0 L0:1'],
  },
  { name: 'file replaced by a directory', layers: [['f a 1'], ['d a', 'f a/b 2']], want: ['/a dir 0755 0:0', '/a/b reg 0644 0:0 L1:2'] },
  { name: 'directory replaced by a file (children go)', layers: [['d a', 'f a/b 1'], ['f a 3']], want: ['/a reg 0644 0:0 L1:3'] },
  { name: 'directory replaced by a symlink', layers: [['d a', 'f a/b 1'], ['s a /x']], want: ['/a symlink 0777 0:0 -> /x'] },
  {
    name: 'directory entry replaces a symlink to a directory (no keep-dirlinks)',
    layers: [['d real', 'f real/x 1', 's a real'], ['d a m=0700']],
    want: ['/a dir 0700 0:0', '/real dir 0755 0:0', '/real/x reg 0644 0:0 L0:1'],
  },
  {
    name: 'a new file breaks the hardlink group it replaces',
    layers: [['f a 1', 'h b a'], ['f a 2']],
    want: ['/a reg 0644 0:0 L1:2', '/b reg 0644 0:0 L0:1'],
  },
  {
    name: 'same path twice in one layer: the last entry wins',
    layers: [['f a 1', 'd a', 'f a/x 1', 's a /etc']],
    want: ['/a symlink 0777 0:0 -> /etc'],
  },
  { name: 'missing parents are implicit 0755 root directories', layers: [['f a/b/c 1 o=5:6']], want: ['/a dir 0755 0:0', '/a/b dir 0755 0:0', '/a/b/c reg 0644 5:6 L0:1'] },
  { name: 'a regular file as a parent is an error (umoci: mkdir parent: not a directory)', layers: [['f a 1', 'f a/b 1']], error: FormatError },
  { name: 'a symlink to a regular file as a parent is an error', layers: [['f a 1', 's l a', 'f l/x 1']], error: FormatError },
  { name: 'a device as a parent is an error', layers: [['c a 1:3', 'd a/x']], error: FormatError },
  {
    name: '.. and absolute names are clamped to the root',
    layers: [['f ../../x 1', 'f /abs/y 1', 'f ./a/../../b 1', 'f c//d/./e 1']],
    want: ['/abs dir 0755 0:0', '/abs/y reg 0644 0:0 L0:1', '/b reg 0644 0:0 L0:1', '/c dir 0755 0:0', '/c/d dir 0755 0:0', '/c/d/e reg 0644 0:0 L0:1', '/x reg 0644 0:0 L0:1'],
  },
  ...['/', '../../..', '/../..'].map(target => ({
    name: `symlink parent ${target} resolves to the root`,
    layers: [[`s a ${target}`, 'f a/x 1']],
    want: [`/a symlink 0777 0:0 -> ${target}`, '/x reg 0644 0:0 L0:1'],
  })),
  {
    name: 'symlink parent a -> /etc writes inside the tree, creating etc',
    layers: [['s a /etc', 'f a/x 1', 'f a/sub/y 1']],
    want: ['/a symlink 0777 0:0 -> /etc', '/etc dir 0755 0:0', '/etc/sub dir 0755 0:0', '/etc/sub/y reg 0644 0:0 L0:1', '/etc/x reg 0644 0:0 L0:1'],
  },
  {
    name: 'missing components inside a symlink target are lexical (securejoin): only the resolved path is created',
    layers: [['s a nothere/../etc', 'f a/x 1']],
    want: ['/a symlink 0777 0:0 -> nothere/../etc', '/etc dir 0755 0:0', '/etc/x reg 0644 0:0 L0:1'],
  },
  {
    name: 'chained symlinks, absolute and relative',
    layers: [['d etc', 's a b', 's b c/d', 'd c', 's c/d ../../../etc', 'f a/x 1']],
    want: ['/a symlink 0777 0:0 -> b', '/b symlink 0777 0:0 -> c/d', '/c dir 0755 0:0', '/c/d symlink 0777 0:0 -> ../../../etc', '/etc dir 0755 0:0', '/etc/x reg 0644 0:0 L0:1'],
  },
  { name: 'the last component is never followed', layers: [['d etc', 'f etc/passwd 1', 's a /etc/passwd', 'f a 2']], want: ['/a reg 0644 0:0 L0:2', '/etc dir 0755 0:0', '/etc/passwd reg 0644 0:0 L0:1'] },
  { name: 'looping symlinks', layers: [['s a b', 's b a', 'f a/x 1']], error: UnsafePathError },
  { name: 'self-referencing symlink', layers: [['s a ./a', 'f a/x 1']], error: UnsafePathError },
  { name: 'whiteout through a symlink loop', layers: [['s a a'], ['f a/.wh.x']], error: UnsafePathError },
  { name: 'hardlink through a symlink loop', layers: [['s a a', 'h x a/y']], error: UnsafePathError },
  { name: 'directory entry for the root updates the root', layers: [['d ./ m=0700 o=1:2', 'f a 1'], ['d / m=0711']], want: ['/a reg 0644 0:0 L0:1'] },
  ...['f .', 'f /', "f ''", 's ./ /etc', 'h .. a', 'c / 1:3', 'p x/..', 'f .wh.x/..'].map(spec => ({
    name: `root replacement refused: ${spec}`,
    layers: [['f a 1', spec]],
    error: UnsafePathError,
  })),
  { name: 'hardlink to a missing target', layers: [['h a nothere']], error: FormatError },
  { name: 'hardlink to a directory', layers: [['d d', 'h a d']], error: FormatError },
  { name: 'hardlink to the root', layers: [['h a /']], error: FormatError },
  { name: 'hardlink under a file parent has no target', layers: [['f f 1', 'h a f/x']], error: FormatError },
  { name: 'hardlink to itself is a no-op', layers: [['f a 1', 'h a a', 'h ./a /a']], want: ['/a reg 0644 0:0 L0:1'] },
  {
    name: 'hardlink entries keep the target metadata (umoci TestUnpackHardlink)',
    layers: [['f regular 27 o=1000:1000', 'h hardlinkA /regular o=2337:3020', 's link ../../../regular o=1000:1000', 'h hardlinkB ../../../link o=2337:3020']],
    want: ['/hardlinkA reg 0644 1000:1000 L0:27 #1', '/hardlinkB symlink 0777 1000:1000 -> ../../../regular #2', '/link symlink 0777 1000:1000 -> ../../../regular #2', '/regular reg 0644 1000:1000 L0:27 #1'],
  },
  {
    name: 'devices and fifos',
    layers: [['c dev/null 1:3 m=0666', 'b dev/sda 8:0 m=0660 o=0:6', 'p run/initctl m=0600']],
    want: ['/dev dir 0755 0:0', '/dev/null chr 0666 0:0 1:3', '/dev/sda blk 0660 0:6 8:0', '/run dir 0755 0:0', '/run/initctl fifo 0600 0:0'],
  },
  {
    name: 'eStargz metadata at the layer root is dropped',
    layers: [['f stargz.index.json 10', 'f .prefetch.landmark 1', 'f ./.no.prefetch.landmark 1', 'f sub/stargz.index.json 2']],
    want: ['/sub dir 0755 0:0', '/sub/stargz.index.json reg 0644 0:0 L0:2'],
  },
  { name: 'setuid and sticky bits are kept', layers: [['f bin/su 3 m=4755', 'd tmp m=1777']], want: ['/bin dir 0755 0:0', '/bin/su reg 4755 0:0 L0:3', '/tmp dir 1777 0:0'] },
])

t.test('the root directory entry sets the root attributes', async t => {
  t.same(render(build([['d ./ m=0700 o=1:2 t=9', 'f a 1']]), { root: true }), ['/ dir 0700 1:2', '/a reg 0644 0:0 L0:1'])
})

t.test('regular files reference their layer range; empty ones use no range', async t => {
  const tree = new Tree()
  applyLayer(tree, 3, [{ ...entry('f a 100'), dataOffset: 1536 }, entry('f b 0')])
  t.same(tree.root.children!.get('a')!.content, { kind: 'layer', layer: 3, offset: 1536, size: 100 })
  t.same(tree.root.children!.get('b')!.content, { kind: 'bytes', data: new Uint8Array(0) })
})

t.test('xattr values stay bytes and the map is copied', async t => {
  const cap = new Uint8Array([0x01, 0x00, 0x00, 0x02, 0xff, 0x80, 0x00, 0x00])
  const e = { ...entry('f ping 1'), xattrs: new Map([['security.capability', cap]]) }
  const tree = new Tree()
  applyLayer(tree, 0, [e])
  e.xattrs.set('user.later', new Uint8Array([1]))
  const node = tree.root.children!.get('ping')!
  t.same([...node.xattrs!.keys()], ['security.capability'])
  t.same(Buffer.from(node.xattrs!.get('security.capability')!).toString('hex'), '01000002ff800000')
})

t.test('non-ASCII names stay byte strings and mtimes are kept', async t => {
  const name = Buffer.from('caf\u00e9', 'utf8').toString('latin1')
  const tree = new Tree()
  applyLayer(tree, 0, [{ ...entry(`f ${name} 1`), mtimeSec: 1700000000, mtimeNsec: 5 }])
  const node = tree.root.children!.get(name)!
  t.same([node.mtimeSec, node.mtimeNsec], [1700000000, 5])
})

t.test('error messages name the entry and the target', async t => {
  t.throws(() => build([['h a/b missing/x']]), { message: 'layer entry "a/b": hardlink target "missing/x" does not exist' })
  t.throws(() => build([['f a 1', 'f a/b 1']]), { message: 'layer entry "a/b": parent "a" is not a directory (reg)' })
  t.throws(() => build([['f .wh.']]), { message: 'layer entry ".wh.": bare whiteout ".wh." names nothing', code: 'FORMAT' })
  t.throws(() => build([['f a/.wh..']]), { message: 'layer entry "a/.wh..": whiteout ".wh.." would delete outside its directory', code: 'UNSAFE_PATH' })
  t.throws(() => build([['s .. /etc']]), { message: 'layer entry "..": symlink would replace the root directory' })
})
