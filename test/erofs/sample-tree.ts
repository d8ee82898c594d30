// A hand-made tree that touches every feature of the writer (not a test itself).

import { Buffer } from 'node:buffer'
import { Inode, Tree } from '../../lib/tree/node.js'

/** vfs_cap_data revision 2, effective, cap_net_bind_service permitted: what setcap writes. */
export const CAPABILITY = Buffer.from('0100000200040000000000000000000000000000', 'hex')

export function bytesFile(data: Uint8Array | string, mode = 0o644): Inode {
  const n = new Inode('reg', mode)
  n.content = { kind: 'bytes', data: typeof data === 'string' ? Buffer.from(data, 'latin1') : data }
  return n
}

export function pattern(size: number, seed: number): Buffer {
  const b = Buffer.alloc(size)
  let x = seed * 2654435761 + 1
  for (let i = 0; i < size; i++) {
    x = (x * 1103515245 + 12345) >>> 0
    b[i] = x >>> 24
  }
  return b
}

export function dir(mode = 0o755): Inode {
  return new Inode('dir', mode)
}

export function put(parent: Inode, name: string, child: Inode): Inode {
  parent.children!.set(name, child)
  return child
}

/** Every kind, special mode bits, owners, sizes around block and inline limits, xattrs, hardlinks. */
export function sampleTree(opts: { filePath?: string; fileSize?: number } = {}): Tree {
  const tree = new Tree(dir(0o755))
  const root = tree.root
  const etc = put(root, 'etc', dir())
  const passwd = put(etc, 'passwd', bytesFile('root:x:0:0::/root:/bin/sh\n'))
  passwd.xattrs = new Map([['user.mime', Buffer.from('text/plain')], ['trusted.t', Buffer.from([0, 1, 2, 255])]])
  put(root, 'empty', bytesFile(''))
  const bin = put(root, 'bin', dir(0o755))
  const ping = put(bin, 'ping', bytesFile(pattern(5000, 1), 0o4755))
  ping.xattrs = new Map([['security.capability', CAPABILITY], ['user.shared', Buffer.from('same')]])
  const su = put(bin, 'su', bytesFile(pattern(4096, 2), 0o6755))
  su.uid = 0
  su.gid = 42
  su.xattrs = new Map([['user.shared', Buffer.from('same')], ['security.capability', CAPABILITY]])
  put(bin, 'sh-hardlink', ping)
  const tmp = put(root, 'tmp', dir(0o1777))
  put(tmp, '.hidden', bytesFile('x', 0o600))
  put(tmp, '!bang', bytesFile('y', 0o640))
  put(tmp, '-dash', bytesFile('z'))
  const home = put(root, 'home', dir(0o750))
  home.uid = 1000
  home.gid = 1000
  const big = put(home, 'big-uid', bytesFile(pattern(8193, 3), 0o600))
  big.uid = 70000
  big.gid = 70001
  for (const size of [1, 4095, 4097, 8191, 8192, 4096 - 32, 4096 - 64, 4096 - 100, 12345]) put(home, `size-${size}`, bytesFile(pattern(size, size)))
  const links = put(root, 'links', dir())
  put(links, 'abs', Object.assign(new Inode('symlink', 0o777), { target: '/etc/passwd' }))
  put(links, 'rel', Object.assign(new Inode('symlink', 0o777), { target: '../etc/passwd' }))
  put(links, 'long', Object.assign(new Inode('symlink', 0o777), { target: 'x/'.repeat(1000) + 'end' }))
  put(links, 'hard-passwd', passwd)
  const dev = put(root, 'dev', dir())
  put(dev, 'null', Object.assign(new Inode('chr', 0o666), { rdevMajor: 1, rdevMinor: 3 }))
  put(dev, 'sda', Object.assign(new Inode('blk', 0o660), { rdevMajor: 8, rdevMinor: 0, gid: 6 }))
  put(dev, 'big-minor', Object.assign(new Inode('chr', 0o600), { rdevMajor: 240, rdevMinor: 70000 }))
  put(dev, 'fifo', new Inode('fifo', 0o644))
  put(dev, 'sock', new Inode('sock', 0o755))
  const odd = put(root, 'odd', dir())
  put(odd, 'caf\xe9-latin1', bytesFile('latin1 name'))
  put(odd, '\xff\xfe-not-utf8', bytesFile('bytes'))
  put(odd, 'n'.repeat(255), bytesFile('longest name'))
  if (opts.filePath) {
    const f = new Inode('reg', 0o644)
    f.content = { kind: 'file', path: Buffer.from(opts.filePath), size: opts.fileSize! }
    put(root, 'from-disk', f)
  }
  return tree
}
