// Path cleaning and resolution inside the root (lib/tree/path.ts), the containment rules that
// filepath-securejoin applies for umoci: lexical '..' clamped at the root, symlinks resolved
// inside the root, at most 255 expansions, the last component never followed.

import t from 'tap'
import { FormatError, UnsafePathError } from '../../lib/errors.js'
import { MAX_SYMLINK_HOPS, cleanPath, findDir, makeDir, showPath } from '../../lib/tree/path.js'
import { Inode, Tree } from '../../lib/tree/node.js'
import { build } from './fixtures/apply-fixtures.js'

t.test('cleanPath', async t => {
  const cases: Array<[string, string[]]> = [
    ['', []], ['.', []], ['./', []], ['/', []], ['..', []], ['../..', []], ['//', []],
    ['a', ['a']], ['./a/', ['a']], ['/a/b', ['a', 'b']], ['a//b/./c', ['a', 'b', 'c']],
    ['a/../b', ['b']], ['../../a', ['a']], ['/../a/..', []], ['a/b/../../../c', ['c']],
    ['.wh..wh..opq', ['.wh..wh..opq']], ['...', ['...']], ['a/\u00ff\u0001', ['a', '\u00ff\u0001']],
  ]
  for (const [path, want] of cases) t.same(cleanPath(path), want, JSON.stringify(path))
})

t.test('findDir follows symlinks inside the root and creates nothing', async t => {
  const tree = build([['d etc', 'd etc/ssl', 's up ../../..', 's abs /etc', 's rel etc/ssl', 's dangling /nowhere/x', 'f file 1', 's tofile file']])
  const etc = tree.root.children!.get('etc')!
  const ssl = etc.children!.get('ssl')!
  const cases: Array<[string, Inode | null]> = [
    ['', tree.root], ['etc', etc], ['up', tree.root], ['up/up/etc', etc], ['abs/ssl', ssl], ['rel', ssl],
    ['rel/../..', tree.root], ['abs/../../../etc', etc], ['dangling', null], ['nothere/../etc', etc],
    ['file', null], ['tofile', null], ['file/..', tree.root], ['etc/nothere', null],
  ]
  for (const [path, want] of cases) t.equal(findDir(tree.root, cleanPath(path), path), want, path)
  t.same([...tree.root.children!.keys()].sort(), ['abs', 'dangling', 'etc', 'file', 'rel', 'tofile', 'up'], 'nothing created')
})

t.test('makeDir creates the resolved path and reports the chain walked', async t => {
  const tree = build([['d etc', 's dangling /nowhere/x']])
  const at = makeDir(tree.root, cleanPath('dangling/y'), 'dangling/y/z')
  const nowhere = tree.root.children!.get('nowhere')!
  t.equal(nowhere.kind, 'dir')
  t.equal(nowhere.mode, 0o755)
  t.equal(at.dir, nowhere.children!.get('x')!.children!.get('y'))
  t.same(at.names, ['nowhere', 'x', 'y'])
  t.equal(at.parents[0], tree.root)
  t.equal(at.parents[1], nowhere)
  t.throws(() => makeDir(build([['f a 1']]).root, ['a', 'b'], 'a/b/c'), FormatError)
})

t.test(`symlink expansions are bounded at ${MAX_SYMLINK_HOPS}`, async t => {
  const chain = (hops: number): Tree => {
    const specs = ['d etc']
    for (let i = 0; i < hops - 1; i++) specs.push(`s l${i} l${i + 1}`)
    specs.push(`s l${hops - 1} /etc`)
    return build([specs])
  }
  const ok = chain(MAX_SYMLINK_HOPS)
  t.equal(findDir(ok.root, ['l0'], 'l0'), ok.root.children!.get('etc'), `${MAX_SYMLINK_HOPS} hops resolve`)
  const tooMany = chain(MAX_SYMLINK_HOPS + 1)
  t.throws(() => findDir(tooMany.root, ['l0'], 'l0/x'), new UnsafePathError('layer entry "l0/x": too many levels of symbolic links'))
})

t.test('showPath quotes and decodes UTF-8 for messages', async t => {
  t.equal(showPath(Buffer.from('caf\u00e9\n', 'utf8').toString('latin1')), '"caf\u00e9\\n"')
})
