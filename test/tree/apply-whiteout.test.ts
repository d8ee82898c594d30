// Whiteouts and opaque markers: moby go-archive TestApplyLayerWhiteouts and umoci
// TestUnpackOpaqueWhiteout / TestUnpackEntryWhiteout re-derived, plus same-layer orderings.

import t from 'tap'
import { FormatError, UnsafePathError } from '../../lib/errors.js'
import { build, names, runCases } from './fixtures/apply-fixtures.js'

t.test('moby TestApplyLayerWhiteouts: cumulative layers', async t => {
  const layer = (paths: string[]): string[] => paths.map(p => (p.endsWith('/') ? `d ${p} m=0700` : `f ${p} m=0600`))
  const base = ['.baz', 'bar/', 'bar/bax', 'bar/bay/', 'baz', 'foo/', 'foo/.abc', 'foo/.bcd/', 'foo/.bcd/a', 'foo/cde/', 'foo/cde/def', 'foo/cde/efg', 'foo/fgh', 'foobar']
  const steps: Array<[string[], string[]]> = [
    [base, base],
    [
      ['.bay', '.wh.baz', 'foo/', 'foo/.bce', 'foo/.wh..wh..opq', 'foo/cde/', 'foo/cde/efg'],
      ['.bay', '.baz', 'bar/', 'bar/bax', 'bar/bay/', 'foo/', 'foo/.bce', 'foo/cde/', 'foo/cde/efg', 'foobar'],
    ],
    [
      ['.bay', '.wh..baz', '.wh.foobar', 'foo/', 'foo/.abc', 'foo/.wh.cde', 'bar/'],
      ['.bay', 'bar/', 'bar/bax', 'bar/bay/', 'foo/', 'foo/.abc', 'foo/.bce'],
    ],
    [['.abc', '.wh..wh..opq', 'foobar'], ['.abc', 'foobar']],
  ]
  for (let i = 0; i < steps.length; i++) {
    t.same(names(build(steps.slice(0, i + 1).map(([change]) => layer(change)))), steps[i]![1], `after layer ${i}`)
  }
})

// umoci TestUnpackOpaqueWhiteout: [path, spec args, upper, shouldSurvive]; everything below
// test-subdir, lower entries in one layer, upper ones plus `test-subdir/.wh..wh..opq` in the next.
type Dentry = [string, string, boolean, boolean]
const OPAQUE_CASES: Record<string, Dentry[]> = {
  EmptyDir: [],
  OneLevel: [['file', 'f', false, false], ['link', 's ..', true, true], ['badlink', 's ./nothing', true, true], ['fifo', 'p', false, false]],
  OneLevelNoUpper: [['file', 'f', false, false], ['link', 's ..', false, false], ['badlink', 's ./nothing', false, false], ['fifo', 'p', false, false]],
  TwoLevel: [
    ['file', 'f', true, true], ['link', 's ..', false, false], ['badlink', 's ./nothing', false, false], ['dir', 'd', true, true],
    ['dir/file', 'f', true, true], ['dir/link', 's ../badlink', false, false],
    ['dir/verybadlink', 's ../../../../../../../../../../../../etc/shadow', true, true],
    ['dir/verybadlink2', 's /../../../../../../../../../../../../etc/shadow', false, false],
  ],
  MultiLevel: [
    ['level1_file', 'f', true, true], ['level1_link', 's ..', false, false], ['level1a', 'd', true, true],
    ['level1a/level2_file', 'f', false, false], ['level1a/level2_link', 's ../../../', true, true],
    ['level1a/level2a', 'd', false, false], ['level1a/level2a/level3_fileA', 'f', false, false],
    ['level1a/level2a/level3_fileB', 'f', false, false], ['level1a/level2b', 'd', true, true],
    ['level1a/level2b/level3_fileA', 'f', true, true], ['level1a/level2b/level3_fileB', 'f', false, false],
    ['level1a/level2b/level3', 'd', false, false], ['level1a/level2b/level3/level4', 'd', false, false],
    ['level1a/level2b/level3/level4', 'd', false, false], ['level1a/level2b/level3_fileA', 'f', true, true],
    ['level1b', 'd', false, false], ['level1b/level2_fileA', 'f', false, false], ['level1b/level2_fileB', 'f', false, false],
    ['level1b/level2', 'd', false, false], ['level1b/level2/level3_file', 'f', false, false],
  ],
  MissingUpperAncestor: [
    ['some', 'd', false, true], ['some/dir', 'd', false, true], ['some/dir/somewhere', 'f', true, true],
    ['another', 'd', false, false], ['another/dir', 'd', false, false], ['another/dir/somewhere', 'f', false, false],
  ],
  UpperWhiteout: [
    ['.wh.fileB', 'f', true, true], ['fileA', 'f', true, true], ['fileB', 'f', true, true], ['fileC', 'f', false, false],
    ['.wh.fileA', 'f', true, true], ['.wh.fileC', 'f', true, true],
  ],
  UpperDirWhiteout: [
    ['.wh.dir2', 'f', true, true], ['file', 'f', false, false], ['dir1', 'd', true, true], ['dir1/file', 'f', true, true],
    ['dir1/link', 's ../badlink', false, false], ['dir1/verybadlink', 's ../../../../../../../../../../../../etc/shadow', true, true],
    ['dir1/verybadlink2', 's /../../../../../../../../../../../../etc/shadow', false, false], ['.wh.dir1', 'f', true, true],
    ['dir2', 'd', true, true], ['dir2/file', 'f', true, true], ['dir2/link', 's ../badlink', false, false],
  ],
}

for (const [name, dentries] of Object.entries(OPAQUE_CASES)) {
  for (const markerFirst of [false, true]) {
    t.test(`umoci TestUnpackOpaqueWhiteout ${name}, marker ${markerFirst ? 'first' : 'last'}`, async t => {
      const spec = ([path, args]: Dentry): string => {
        const [type, ...rest] = args.split(' ')
        return [type, `test-subdir/${path}`, ...rest].join(' ')
      }
      const lower = ['d test-subdir', ...dentries.filter(d => !d[2]).map(spec)]
      const upper = dentries.filter(d => d[2]).map(spec)
      const marker = 'f test-subdir/.wh..wh..opq'
      const tree = build([lower, markerFirst ? [marker, ...upper] : [...upper, marker]])
      const present = new Set(names(tree).map(p => p.replace(/\/$/, '')))
      for (const [path, , , survive] of dentries) {
        if (path.split('/').pop()!.startsWith('.wh.')) continue
        t.equal(present.has(`test-subdir/${path}`), survive, `${path} ${survive ? 'survives' : 'is removed'}`)
      }
      t.ok(present.has('test-subdir'), 'the opaque directory stays')
      if (!dentries.some(d => d[2])) t.same(names(tree), ['test-subdir/'], 'and is empty without upper entries')
    })
  }
}

// umoci TestUnpackEntryWhiteout: a file or a populated directory, whited out by its name.
for (const path of ['rootpath', '.hiddenroot', 'some/path/file', 'another/path/.hiddenfile']) {
  for (const dir of [false, true]) {
    t.test(`umoci TestUnpackEntryWhiteout ${path} (${dir ? 'dir' : 'file'})`, async t => {
      const parent = path.includes('/') ? path.slice(0, path.lastIndexOf('/') + 1) : ''
      const victim = dir ? [`d ${path}`, `f ${path}/file1`, `f ${path}/file2`, `d ${path}/.subdir`, `f ${path}/.subdir/file3`] : [`f ${path}`]
      const lower = parent ? [`d ${parent} t=123`, ...victim] : victim
      const tree = build([lower, [`f ${parent}.wh.${path.slice(parent.length)}`]])
      const want = parent ? names(build([[`d ${parent}`]])) : []
      t.same(names(tree), want)
    })
  }
}

runCases([
  ...['f a 2', 'f .wh.a'].map((_, i, specs) => ({
    name: `same-layer file and its whiteout, ${i === 0 ? 'file first' : 'whiteout first'}`,
    layers: [['f a 1', 'f b 1'], i === 0 ? specs : [...specs].reverse()],
    want: ['/a reg 0644 0:0 L1:2', '/b reg 0644 0:0 L0:1'],
  })),
  ...[0, 1].map(i => ({
    name: `same-layer directory and its whiteout drop the lower children, ${i === 0 ? 'directory first' : 'whiteout first'}`,
    layers: [['d d', 'f d/old 1', 'd d/olddir', 'f d/olddir/x 1'], i === 0 ? ['d d m=0700', 'f d/new 2', 'f .wh.d'] : ['f .wh.d', 'd d m=0700', 'f d/new 2']],
    want: ['/d dir 0700 0:0', '/d/new reg 0644 0:0 L1:2'],
  })),
  {
    name: 'opaque marker first: a lower directory re-entered later is implicit (umoci: removed, then MkdirAll)',
    layers: [['d d', 'f d/a 1', 'd d/sub m=0711', 'f d/sub/b 1', 'f d/sub/c 1', 'f e 1'], ['d d m=0700', 'f d/.wh..wh..opq', 'f d/n 2', 'f d/sub/b 2']],
    want: ['/d dir 0700 0:0', '/d/n reg 0644 0:0 L1:2', '/d/sub dir 0755 0:0', '/d/sub/b reg 0644 0:0 L1:2', '/e reg 0644 0:0 L0:1'],
  },
  {
    name: 'opaque marker last: a lower directory passed through keeps its attributes, loses its lower children',
    layers: [['d d', 'f d/a 1', 'd d/sub m=0711', 'f d/sub/b 1', 'f d/sub/c 1', 'f e 1'], ['d d m=0700', 'f d/n 2', 'f d/sub/b 2', 'f d/.wh..wh..opq']],
    want: ['/d dir 0700 0:0', '/d/n reg 0644 0:0 L1:2', '/d/sub dir 0711 0:0', '/d/sub/b reg 0644 0:0 L1:2', '/e reg 0644 0:0 L0:1'],
  },
  {
    name: 'opaque marker at the root',
    layers: [['f a 1', 'd b', 'f b/c 1'], ['f .wh..wh..opq', 'f z 2']],
    want: ['/z reg 0644 0:0 L1:2'],
  },
  {
    name: 'whiteouts carried as hardlink entries (as in real images)',
    layers: [['f a 1', 'd b', 'f b/c 1'], ['h .wh.a nowhere', 'h b/.wh..wh..opq b/.wh..wh..opq']],
    want: ['/b dir 0755 0:0'],
  },
  { name: 'whiteout of a missing name is a no-op', layers: [['f a 1'], ['f .wh.nothing', 'f missing/.wh.x', 'f missing/.wh..wh..opq']], want: ['/a reg 0644 0:0 L0:1'] },
  {
    name: 'whiteout under a parent that is now a regular file is a no-op',
    layers: [['d a', 'f a/b 1'], ['f a 2', 'f a/.wh.b', 'f a/.wh..wh..opq']],
    want: ['/a reg 0644 0:0 L1:2'],
  },
  {
    name: 'a whiteout removes a symlink, never what it points at',
    layers: [['d etc', 'f etc/x 1', 's l /etc'], ['f .wh.l']],
    want: ['/etc dir 0755 0:0', '/etc/x reg 0644 0:0 L0:1'],
  },
  { name: 'bare .wh. is invalid', layers: [['f a 1'], ['f .wh.']], error: FormatError },
  { name: '.wh... is invalid', layers: [['d a'], ['f a/.wh...']], error: UnsafePathError },
  {
    name: 'hardlink into a lower layer survives a later whiteout of its target, with the content',
    layers: [['f a 5'], ['h b a'], ['f .wh.a']],
    want: ['/b reg 0644 0:0 L0:5'],
  },
  {
    name: 'same layer: hardlink to a lower file, then its whiteout',
    layers: [['f a 5'], ['h b a', 'f .wh.a']],
    want: ['/b reg 0644 0:0 L0:5'],
  },
  { name: 'same layer: whiteout, then a hardlink to the removed lower file (umoci: link fails)', layers: [['f a 5'], ['f .wh.a', 'h b a']], error: FormatError },
])
