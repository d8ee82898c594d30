// Layer application, whole trees: containerd pkg/archive TestBreakouts re-derived (the entries,
// and the lower tree they start from, as in archive_test.go), plus replacement, root and
// hardlink cases. Each case states the full expected tree or the error class.
// Where containerd silently skips an entry that would replace the root ('..' or '' named
// symlinks), we follow umoci and refuse it (CVE-2021-29136).

import { UnsafePathError } from '../../lib/errors.js'
import { runCases } from './fixtures/apply-fixtures.js'

const ETC_PASSWD = ['d etc m=0770', 'f /etc/passwd 6']
const LOWER_ETC = ['d /etc/', 'f /etc/passwd 6']

// containerd pkg/archive TestBreakouts.
runCases([
  {
    name: 'SymlinkAbsolute',
    layers: [['d etc', 's localetc /etc', 'f /localetc/unbroken 8']],
    want: ['/etc dir 0755 0:0', '/etc/unbroken reg 0644 0:0 L0:8', '/localetc symlink 0777 0:0 -> /etc'],
  },
  {
    name: 'SymlinkUpAndOut',
    layers: [['d etc', 'd dummy', 's localetc /dummy/../etc', 'f /localetc/unbroken 8']],
    want: ['/dummy dir 0755 0:0', '/etc dir 0755 0:0', '/etc/unbroken reg 0644 0:0 L0:8', '/localetc symlink 0777 0:0 -> /dummy/../etc'],
  },
  {
    name: 'SymlinkMultipleAbsolute',
    layers: [['d etc', 'd dummy', 's /dummy/etc /etc', 's localetc /dummy/etc', 'f /dummy/etc/unbroken 8']],
    want: ['/dummy dir 0755 0:0', '/dummy/etc symlink 0777 0:0 -> /etc', '/etc dir 0755 0:0', '/etc/unbroken reg 0644 0:0 L0:8', '/localetc symlink 0777 0:0 -> /dummy/etc'],
  },
  {
    name: 'SymlinkMultipleRelative',
    layers: [['d etc', 'd dummy', 's /dummy/etc /etc', 's localetc ./dummy/etc', 'f /dummy/etc/unbroken 8']],
    want: ['/dummy dir 0755 0:0', '/dummy/etc symlink 0777 0:0 -> /etc', '/etc dir 0755 0:0', '/etc/unbroken reg 0644 0:0 L0:8', '/localetc symlink 0777 0:0 -> ./dummy/etc'],
  },
  {
    name: 'SymlinkEmptyFile',
    layers: [['d etc', 'f etc/emptied 8', 's localetc /etc', 'f /localetc/emptied 0']],
    want: ['/etc dir 0755 0:0', '/etc/emptied reg 0644 0:0 empty', '/localetc symlink 0777 0:0 -> /etc'],
  },
  {
    name: 'HardlinkRelative',
    layers: [[...ETC_PASSWD, 'd breakouts', 's breakouts/d1 ../../etc', 'h breakouts/mypasswd /breakouts/d1/passwd']],
    want: ['/breakouts dir 0755 0:0', '/breakouts/d1 symlink 0777 0:0 -> ../../etc', '/breakouts/mypasswd reg 0644 0:0 L0:6 #1', '/etc dir 0770 0:0', '/etc/passwd reg 0644 0:0 L0:6 #1'],
  },
  {
    name: 'HardlinkDownAndOut',
    layers: [[...ETC_PASSWD, 'd breakouts', 'd downandout', 's breakouts/d1 ../downandout/../../etc', 'h breakouts/mypasswd /breakouts/d1/passwd']],
    want: ['/breakouts dir 0755 0:0', '/breakouts/d1 symlink 0777 0:0 -> ../downandout/../../etc', '/breakouts/mypasswd reg 0644 0:0 L0:6 #1', '/downandout dir 0755 0:0', '/etc dir 0770 0:0', '/etc/passwd reg 0644 0:0 L0:6 #1'],
  },
  ...(['/etc', '../../../../../../../etc', 'upandout/../../../etc'].map((target, i) => ({
    name: ['HardlinkAbsolute', 'HardlinkRelativeLong', 'HardlinkRelativeUpAndOut'][i]!,
    layers: [[...ETC_PASSWD, `s localetc ${target}`, 'h localpasswd /localetc/passwd']],
    want: ['/etc dir 0770 0:0', '/etc/passwd reg 0644 0:0 L0:6 #1', `/localetc symlink 0777 0:0 -> ${target}`, '/localpasswd reg 0644 0:0 L0:6 #1'],
  }))),
  ...(['../../../../../etc/passwd', '/etc/passwd'].map((target, i) => ({
    name: ['HardlinkDirectRelative', 'HardlinkDirectAbsolute'][i]!,
    layers: [[...ETC_PASSWD, `h localpasswd ${target}`]],
    want: ['/etc dir 0770 0:0', '/etc/passwd reg 0644 0:0 L0:6 #1', '/localpasswd reg 0644 0:0 L0:6 #1'],
  }))),
  { name: 'SymlinkParentDirectory', layers: [[...ETC_PASSWD, 's .. /etc/', 'h localpasswd /etc/passwd']], error: UnsafePathError },
  { name: 'SymlinkEmptyFilename', layers: [[...ETC_PASSWD, "s '' /etc/", 'h localpasswd /etc/passwd']], error: UnsafePathError },
  {
    name: 'SymlinkParentRelative',
    layers: [[...ETC_PASSWD, 's localetc/sub/.. /etc/', 'h /localetc/localpasswd /etc/passwd']],
    want: ['/etc dir 0770 0:0', '/etc/localpasswd reg 0644 0:0 L0:6 #1', '/etc/passwd reg 0644 0:0 L0:6 #1', '/localetc symlink 0777 0:0 -> /etc/'],
  },
  {
    name: 'SymlinkSlashEnded',
    layers: [[...ETC_PASSWD, 'd localetc/ m=0770', 'h /localetc/localpasswd /etc/passwd']],
    want: ['/etc dir 0770 0:0', '/etc/passwd reg 0644 0:0 L0:6 #1', '/localetc dir 0770 0:0', '/localetc/localpasswd reg 0644 0:0 L0:6 #1'],
  },
  ...(['/etc', '../../etc'].map((target, i) => ({
    name: ['SymlinkOverrideDirectory', 'SymlinkOverrideDirectoryRelative'][i]!,
    layers: [[...LOWER_ETC, 'd /localetc/'], [`s localetc ${target}`, 'h /localetc/localpasswd /etc/passwd']],
    want: ['/etc dir 0755 0:0', '/etc/localpasswd reg 0644 0:0 L0:6 #1', '/etc/passwd reg 0644 0:0 L0:6 #1', `/localetc symlink 0777 0:0 -> ${target}`],
  }))),
  {
    name: 'DirectoryOverrideSymlink',
    layers: [[...LOWER_ETC, 's localetc /etc'], ['d /localetc/', 'h /localetc/localpasswd /etc/passwd']],
    want: ['/etc dir 0755 0:0', '/etc/passwd reg 0644 0:0 L0:6 #1', '/localetc dir 0755 0:0', '/localetc/localpasswd reg 0644 0:0 L0:6 #1'],
  },
  {
    name: 'DirectoryOverrideSymlinkAndHardlink',
    layers: [[...LOWER_ETC, 's localetc etc', 'h /localetc/localpasswd /etc/passwd'], ['d /localetc/', 'f /localetc/localpasswd 9']],
    want: ['/etc dir 0755 0:0', '/etc/localpasswd reg 0644 0:0 L0:6 #1', '/etc/passwd reg 0644 0:0 L0:6 #1', '/localetc dir 0755 0:0', '/localetc/localpasswd reg 0644 0:0 L1:9'],
  },
  ...['.wh...', 'etc/.wh...', '.wh..', 'etc/.wh..'].map((wh, i) => ({
    name: ['WhiteoutRootParent', 'WhiteoutParent', 'WhiteoutRoot', 'WhiteoutCurrentDirectory'][i]!,
    layers: [LOWER_ETC, [`f ${wh}`]],
    error: UnsafePathError,
  })),
  {
    name: 'WhiteoutSymlink',
    layers: [[...LOWER_ETC, 's localetc /etc'], ['f .wh.localetc']],
    want: ['/etc dir 0755 0:0', '/etc/passwd reg 0644 0:0 L0:6'],
  },
  {
    name: 'WhiteoutSymlinkPath',
    layers: [[...LOWER_ETC, 'f /etc/whitedout 14', 's localetc /etc'], ['f localetc/.wh.whitedout']],
    want: ['/etc dir 0755 0:0', '/etc/passwd reg 0644 0:0 L0:6', '/localetc symlink 0777 0:0 -> /etc'],
  },
  {
    name: 'WhiteoutDirectoryName',
    layers: [[...LOWER_ETC, 's localetc /etc'], ['f .wh.etc/somefile 9']],
    want: ['/.wh.etc dir 0755 0:0', '/.wh.etc/somefile reg 0644 0:0 L1:9', '/etc dir 0755 0:0', '/etc/passwd reg 0644 0:0 L0:6', '/localetc symlink 0777 0:0 -> /etc'],
  },
  {
    name: 'WhiteoutDeadSymlinkParent',
    layers: [[...LOWER_ETC, 's localetc /dne'], ['f localetc/.wh.etc']],
    want: ['/etc dir 0755 0:0', '/etc/passwd reg 0644 0:0 L0:6', '/localetc symlink 0777 0:0 -> /dne'],
  },
  {
    name: 'WhiteoutRelativePath',
    layers: [[...LOWER_ETC, 's localetc /dne'], ['f dne/../.wh.etc']],
    want: ['/localetc symlink 0777 0:0 -> /dne'],
  },
  {
    name: 'HardlinkSymlinkBeforeCreateTarget',
    layers: [['d etc m=0770', 's localpasswd /etc/passwd', 'h localpasswd-dup localpasswd', 'f /etc/passwd 5']],
    want: ['/etc dir 0770 0:0', '/etc/passwd reg 0644 0:0 L0:5', '/localpasswd symlink 0777 0:0 -> /etc/passwd #1', '/localpasswd-dup symlink 0777 0:0 -> /etc/passwd #1'],
  },
  ...(['../../../../../etc/passwd', '/etc/passwd'].map((target, i) => ({
    name: ['HardlinkSymlinkRelative', 'HardlinkSymlinkAbsolute'][i]!,
    layers: [[...ETC_PASSWD, `s passwdlink ${target}`, 'h localpasswd /passwdlink']],
    want: ['/etc dir 0770 0:0', '/etc/passwd reg 0644 0:0 L0:6', `/localpasswd symlink 0777 0:0 -> ${target} #1`, `/passwdlink symlink 0777 0:0 -> ${target} #1`],
  }))),
  {
    name: 'HardlinkSymlinkChmod (absolute host paths stay inside)',
    layers: [['s /tmp/td/also-exists-outside-root /tmp/td/perm400', 'h sketchylink /tmp/td/also-exists-outside-root']],
    want: ['/sketchylink symlink 0777 0:0 -> /tmp/td/perm400 #1', '/tmp dir 0755 0:0', '/tmp/td dir 0755 0:0', '/tmp/td/also-exists-outside-root symlink 0777 0:0 -> /tmp/td/perm400 #1'],
  },
])
