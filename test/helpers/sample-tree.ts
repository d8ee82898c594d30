// An in-memory tree with every kind of node and the metadata that is easy to lose on the way to
// disk: setuid with a foreign owner, file capabilities, binary xattrs, hardlinks, non-UTF-8 names.

import { Inode, Tree } from '../../lib/tree/node.js'

/** security.capability v2: cap_net_bind_service permitted (magic 0x02000001, little-endian words). */
export const CAP_NET_BIND_SERVICE = Buffer.from('0100000200040000000000000000000000000000', 'hex')

function file(data: string | Uint8Array, mode = 0o644, set: Partial<Inode> = {}): Inode {
  const node = new Inode('reg', mode)
  node.content = { kind: 'bytes', data: typeof data === 'string' ? Buffer.from(data, 'latin1') : data }
  return Object.assign(node, { mtimeSec: 1_000_000_000, mtimeNsec: 123_456_789 }, set)
}

function node(kind: 'dir' | 'symlink' | 'chr' | 'blk' | 'fifo' | 'sock', mode: number, set: Partial<Inode> = {}): Inode {
  return Object.assign(new Inode(kind, mode), { mtimeSec: 1_100_000_000, mtimeNsec: 1 }, set)
}

function dir(entries: Record<string, Inode>, mode = 0o755, set: Partial<Inode> = {}): Inode {
  const d = node('dir', mode, set)
  for (const [name, child] of Object.entries(entries)) d.children!.set(name, child)
  return d
}

export function sampleTree(): Tree {
  const shared = file('shared bytes\n', 0o640, { uid: 7, gid: 8, xattrs: new Map([['user.shared', Buffer.from([0, 255])]]) })
  const big = file(Buffer.alloc(200_000, 0xab))
  const tree = new Tree(
    dir(
      {
        bin: dir({
          su: file('#!/bin/sh\n', 0o4755, { uid: 0, gid: 0 }),
          ping: file('ping', 0o755, { xattrs: new Map([['security.capability', CAP_NET_BIND_SERVICE]]) }),
          own: file('o', 0o6750, { uid: 1234, gid: 5678 }),
          big,
        }),
        dev: dir({
          null: node('chr', 0o666, { rdevMajor: 1, rdevMinor: 3 }),
          loop0: node('blk', 0o660, { rdevMajor: 7, rdevMinor: 0, gid: 6 }),
          huge: node('chr', 0o600, { rdevMajor: 300, rdevMinor: 70000 }),
          fifo: node('fifo', 0o600),
          sock: node('sock', 0o755),
        }),
        etc: dir(
          {
            shared,
            'link\xff\xfe': shared,
            'sp ace=\\': file('', 0o600, { mtimeSec: 0, mtimeNsec: 0 }),
            ro: dir({ inner: file('inner') }, 0o555, { mtimeSec: 1_300_000_000, mtimeNsec: 999_999_999 }),
          },
          0o755,
          { xattrs: new Map([['trusted.overlay.opaque', Buffer.from('y')]]) },
        ),
        tmp: dir({}, 0o1777),
        abs: node('symlink', 0o777, { target: '/etc/shared', uid: 1, gid: 2 }),
        weird: node('symlink', 0o777, { target: 'x\xffy z', xattrs: new Map([['trusted.t', Buffer.from([1])]]) }),
        hardbig: big,
      },
      0o751,
      { uid: 0, gid: 0, mtimeSec: 1_600_000_000, mtimeNsec: 5, xattrs: new Map([['user.root', Buffer.from('r')]]) },
    ),
  )
  return tree
}
