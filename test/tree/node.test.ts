import t from 'tap'
import { Inode, Tree, walk, linkCounts, nameToBytes, bytesToName, compareNames, sortedChildren } from '../../lib/tree/node.js'

t.test('byte strings sort in unsigned byte order', async t => {
  const names = [Buffer.from([0xc3, 0xa9]), Buffer.from('.'), Buffer.from('-dash'), Buffer.from('Z'), Buffer.from([0xff]), Buffer.from('..')]
  const sorted = names.map(bytesToName).sort(compareNames).map(nameToBytes)
  const want = [...names].sort(Buffer.compare)
  t.same(sorted.map(b => b.toString('hex')), want.map(b => b.toString('hex')))
})

t.test('walk is pre-order with sorted children and counts links', async t => {
  const tree = new Tree()
  const a = new Inode('dir', 0o755)
  const f = new Inode('reg', 0o644)
  tree.root.children!.set('b', f)
  tree.root.children!.set('a', a)
  a.children!.set('hard', f)
  t.same([...walk(tree)].map(([p]) => p), ['', 'a', 'a/hard', 'b'])
  const counts = linkCounts(tree)
  t.equal(counts.get(f), 2)
  t.equal(counts.get(tree.root), 3)
  t.equal(counts.get(a), 2)
  t.same(sortedChildren(tree.root).map(([n]) => n), ['a', 'b'])
  t.throws(() => new Tree(new Inode('reg', 0)))
  t.equal(f.size, 0)
})
