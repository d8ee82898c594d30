#!/usr/bin/env python3
"""Hand-made layer tars for the test vectors (python tarfile only, byte-reproducible).

Usage: hostile.py NAME OUT.tar      write the uncompressed layer tar NAME
       hostile.py --list            print the known layer names

Every entry gets mtime SOURCE_DATE_EPOCH (default 1700000000), uid/gid 0 and a fixed order unless
the layer is about those fields. Layers named base-* are lower layers; the others sit on top of one.
"""
import io
import os
import sys
import tarfile

EPOCH = int(os.environ.get('SOURCE_DATE_EPOCH', '1700000000'))
# security.capability v2 values (the kernel checks the size): NUL bytes and bytes >= 0x80 in them.
CAP_V2 = bytes.fromhex('0000000200040000000000000000000000000000')
CAP_HIGH = bytes.fromhex('01000002ff000000000000008000000000000000')


def raw(b):
    """A byte string as tarfile wants it (str with surrogate escapes keeps every byte)."""
    return b.decode('utf-8', 'surrogateescape')


def ent(name, kind='reg', data=b'', mode=None, uid=0, gid=0, link='', pax=None, dev=(0, 0), mtime=None):
    types = {'reg': tarfile.REGTYPE, 'dir': tarfile.DIRTYPE, 'sym': tarfile.SYMTYPE,
             'lnk': tarfile.LNKTYPE, 'chr': tarfile.CHRTYPE, 'blk': tarfile.BLKTYPE,
             'fifo': tarfile.FIFOTYPE, 'areg': tarfile.AREGTYPE}
    ti = tarfile.TarInfo(raw(name) if isinstance(name, bytes) else name)
    ti.type = types[kind]
    ti.mode = mode if mode is not None else (0o755 if kind == 'dir' else 0o644 if kind != 'sym' else 0o777)
    ti.uid, ti.gid, ti.uname, ti.gname = uid, gid, '', ''
    ti.mtime = EPOCH if mtime is None else mtime
    ti.linkname = raw(link) if isinstance(link, bytes) else link
    ti.devmajor, ti.devminor = dev
    ti.size = len(data) if kind in ('reg', 'areg') else 0
    ti.pax_headers = {k: (raw(v) if isinstance(v, bytes) else v) for k, v in (pax or {}).items()}
    return ti, data


def write(path, entries, fmt=tarfile.PAX_FORMAT):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode='w', format=fmt, encoding='utf-8') as t:
        for ti, data in entries:
            t.addfile(ti, io.BytesIO(data) if ti.size else None)
    with open(path, 'wb') as f:
        f.write(buf.getvalue())


def types_common(long_names=True):
    """Every file type and mode bit; the format-specific layers add to it."""
    deep = '/'.join(['d%02d-' % i + 'x' * 20 for i in range(12)])  # > 255 bytes in all
    e = [
        ent('bin/', 'dir'),
        ent('bin/tool', data=b'#!/bin/sh\necho tool\n', mode=0o4755),
        ent('bin/sgid', data=b'sgid\n', mode=0o2755, gid=50),
        ent('bin/sh', 'sym', link='tool'),
        ent('bin/tool-hard', 'lnk', link='bin/tool'),
        ent('bin/empty', mode=0o600),
        ent('dev/', 'dir'),
        ent('dev/null', 'chr', mode=0o666, dev=(1, 3)),
        ent('dev/loop0', 'blk', mode=0o660, gid=6, dev=(7, 0)),
        ent('run/', 'dir'),
        ent('run/fifo', 'fifo', mode=0o600),
        ent('tmp/', 'dir', mode=0o1777),
        ent('home/', 'dir'),
        ent('home/user/', 'dir', mode=0o750, uid=1000, gid=1000),
        ent('home/user/file', data=b'user\n', uid=1000, gid=1000),
    ]
    if long_names:
        e += [
            ent('long/', 'dir'),
            ent('long/' + 'n' * 120, data=b'name over 100 bytes\n'),
            ent('long/' + deep + '/', 'dir'),
            ent('long/' + deep + '/leaf', data=b'path over 255 bytes\n'),
            ent('long/target', 'sym', link='/' + '/'.join(['t' * 50] * 6)),
        ]
    return e


def layer_types_pax():
    """PAX: binary xattrs, big ids, nanosecond mtimes, non-UTF-8 names (hdrcharset=BINARY)."""
    return types_common() + [
        ent('bin/cap', data=b'cap\n', mode=0o755, pax={
            'SCHILY.xattr.security.capability': CAP_V2,
            'SCHILY.xattr.user.comment': 'plain text',
            'SCHILY.xattr.user.binary': b'\x00\x01\xfe\xff\x80end'}),
        ent('bin/cap-high', data=b'cap2\n', pax={'SCHILY.xattr.security.capability': CAP_HIGH}),
        ent('home/bigid', data=b'big ids\n', uid=4000000000, gid=3000000),
        ent('nsec', data=b'nsec\n', pax={'mtime': '%d.123456789' % EPOCH}),
        ent('nsec-dir/', 'dir', pax={'mtime': '%d.5' % (EPOCH - 100)}),
        ent(b'latin1-\xe9t\xe9', data=b'latin1 name\n'),
        ent(b'bad-\xff\xfe-utf8', data=b'not utf-8\n'),
        ent(b'link-\xe9', 'sym', link=b'latin1-\xe9t\xe9'),
    ]


def layer_types_gnu():
    """GNU format: ././@LongLink names and link targets, base-256 uid/gid."""
    return types_common() + [
        ent('home/bigid', data=b'big ids\n', uid=4000000000, gid=3000000),
        ent(b'latin1-\xe9t\xe9', data=b'latin1 name\n'),
    ]


def layer_types_ustar():
    """ustar: names between 100 and 255 bytes split over prefix + name; '\\0' typeflag + '/' is a dir."""
    mid = 'p' * 90 + '/' + 'q' * 60
    return [
        ent('u/', 'dir'),
        ent('u/' + mid + '/', 'dir'),
        ent('u/' + mid + '/file-with-prefix', data=b'prefix field\n'),
        ent('olddir/', 'areg'),
        ent('olddir/file', 'areg', data=b'old regular type\n'),
    ]


BASE = [
    ent('etc/', 'dir'),
    ent('etc/passwd', data=b'root:x:0:0:root:/root:/bin/sh\n'),
    ent('a/', 'dir'),
    ent('a/file1', data=b'a1\n'),
    ent('a/file2', data=b'a2\n'),
    ent('a/sub/', 'dir'),
    ent('a/sub/deep', data=b'deep\n'),
    ent('b/', 'dir'),
    ent('b/keep', data=b'keep\n'),
    ent('dd/', 'dir', mode=0o755),
    ent('dd/child', data=b'child\n'),
    ent('f', data=b'lower f\n'),
    ent('s', 'sym', link='f'),
    ent('sd', 'sym', link='a'),
]

NEW_F = ent('f', data=b'upper f\n')
OPQ = ent('a/.wh..wh..opq')
SAME_LAYER_A = [ent('a/new', data=b'same layer\n'), ent('a/sub/', 'dir'), ent('a/sub/fresh', data=b'fresh\n')]

LAYERS = {
    'types-pax': (layer_types_pax, tarfile.PAX_FORMAT),
    'types-gnu': (layer_types_gnu, tarfile.GNU_FORMAT),
    'types-ustar': (layer_types_ustar, tarfile.USTAR_FORMAT),
    'base': (lambda: BASE, tarfile.PAX_FORMAT),
    'simple': (lambda: [ent('hello/', 'dir'), ent('hello/world', data=b'hello world\n' * 50),
                        ent('hello/link', 'sym', link='world')], tarfile.PAX_FORMAT),
    'arch-amd64': (lambda: [ent('etc/', 'dir'), ent('etc/arch', data=b'amd64\n')], tarfile.PAX_FORMAT),
    'arch-arm64': (lambda: [ent('etc/', 'dir'), ent('etc/arch', data=b'arm64\n')], tarfile.PAX_FORMAT),
    'label-other': (lambda: [ent('etc/', 'dir'), ent('etc/label', data=b'other\n')], tarfile.PAX_FORMAT),
    'estargz': (lambda: [ent('hello/', 'dir'), ent('hello/world', data=b'hello world\n' * 50),
                         ent('hello/link', 'sym', link='world'), ent('.prefetch.landmark', data=b'\x0f'),
                         ent('stargz.index.json', data=b'{"version":1,"entries":[]}')], tarfile.PAX_FORMAT),
    # Whiteouts and replacements, each on top of 'base'.
    'wh-file': (lambda: [ent('.wh.f'), ent('a/.wh.file1')], tarfile.PAX_FORMAT),
    'wh-dir': (lambda: [ent('.wh.a')], tarfile.PAX_FORMAT),
    'opq-first': (lambda: [ent('a/', 'dir'), OPQ] + SAME_LAYER_A, tarfile.PAX_FORMAT),
    'opq-last': (lambda: [ent('a/', 'dir')] + SAME_LAYER_A + [OPQ], tarfile.PAX_FORMAT),
    'wh-then-recreate': (lambda: [ent('.wh.f'), NEW_F, ent('.wh.a'), ent('a/', 'dir'),
                                  ent('a/fresh', data=b'fresh\n')], tarfile.PAX_FORMAT),
    'recreate-then-wh': (lambda: [NEW_F, ent('.wh.f'), ent('a/', 'dir'), ent('a/fresh', data=b'fresh\n'),
                                  ent('.wh.a')], tarfile.PAX_FORMAT),
    'wh-as-hardlink': (lambda: [ent('.wh.f', 'lnk', link='etc/passwd'),
                                ent('a/.wh.file1', 'lnk', link='.wh..wh.plnk/1234')], tarfile.PAX_FORMAT),
    'file-to-dir': (lambda: [ent('f/', 'dir'), ent('f/inside', data=b'inside\n')], tarfile.PAX_FORMAT),
    'dir-to-file': (lambda: [ent('a', data=b'a is a file now\n')], tarfile.PAX_FORMAT),
    'symlink-to-dir': (lambda: [ent('sd/', 'dir'), ent('sd/x', data=b'x\n')], tarfile.PAX_FORMAT),
    'dir-attrs': (lambda: [ent('dd/', 'dir', mode=0o700, uid=1000, gid=1001, mtime=EPOCH + 86400)],
                  tarfile.PAX_FORMAT),
    'hardlink-lower': (lambda: [ent('etc/', 'dir'), ent('etc/passwd-link', 'lnk', link='etc/passwd')],
                       tarfile.PAX_FORMAT),
    'hardlink-symlink': (lambda: [ent('s2', 'sym', link='a/file2'), ent('hs2', 'lnk', link='s2'),
                                  ent('hs', 'lnk', link='s')], tarfile.PAX_FORMAT),
    'implicit-parents': (lambda: [ent('x/y/z', data=b'z\n'), ent('a/new/deeper/file', data=b'n\n')],
                         tarfile.PAX_FORMAT),
    'wh-under-file': (lambda: [ent('a', data=b'file\n'), ent('a/.wh.file1')], tarfile.PAX_FORMAT),
    'dotslash': (lambda: [ent('./', 'dir'), ent('./etc/', 'dir'), ent('./etc/new', data=b'new\n'),
                          ent('./.wh.f'), ent('./a/./file2', data=b'dot in middle\n')], tarfile.PAX_FORMAT),
    # Hostile: contained (the tree umoci makes) or refused.
    'escape-dotdot': (lambda: [ent('../../etc/x', data=b'dotdot\n'), ent('a/../../../y', data=b'y\n')],
                      tarfile.PAX_FORMAT),
    'escape-absolute': (lambda: [ent('/abs/x', data=b'abs\n'), ent('/etc/passwd', data=b'replaced\n')],
                        tarfile.PAX_FORMAT),
    'symlink-parent-abs': (lambda: [ent('link', 'sym', link='/etc'), ent('link/passwd', data=b'via link\n')],
                           tarfile.PAX_FORMAT),
    'symlink-parent-dotdot': (lambda: [ent('up', 'sym', link='../../..'), ent('up/etc/passwd', data=b'up\n')],
                              tarfile.PAX_FORMAT),
    'symlink-chain': (lambda: [ent('c1', 'sym', link='c2'), ent('c2', 'sym', link='../c3'),
                               ent('c3', 'sym', link='/../etc'), ent('c1/chained', data=b'chain\n')],
                      tarfile.PAX_FORMAT),
    'symlink-loop': (lambda: [ent('l1', 'sym', link='l2'), ent('l2', 'sym', link='l1'),
                              ent('l1/file', data=b'loop\n')], tarfile.PAX_FORMAT),
    'hardlink-escape': (lambda: [ent('hl', 'lnk', link='../../etc/passwd'), ent('hl2', 'lnk', link='/etc/passwd')],
                        tarfile.PAX_FORMAT),
    'root-file-dot': (lambda: [ent('.', data=b'root is a file\n')], tarfile.PAX_FORMAT),
    'root-symlink-dotslash': (lambda: [ent('./', 'sym', link='/tmp')], tarfile.PAX_FORMAT),
    'root-file-slash': (lambda: [ent('/', data=b'root is a file\n')], tarfile.PAX_FORMAT),
    'wh-bare': (lambda: [ent('a/.wh.')], tarfile.PAX_FORMAT),
    'wh-dotdot': (lambda: [ent('a/.wh...')], tarfile.PAX_FORMAT),
    'wh-dot': (lambda: [ent('a/.wh..')], tarfile.PAX_FORMAT),
}


def main(argv):
    if argv[1:] == ['--list']:
        print('\n'.join(LAYERS))
        return 0
    if len(argv) != 3 or argv[1] not in LAYERS:
        print('usage: hostile.py NAME OUT.tar | --list', file=sys.stderr)
        return 2
    build, fmt = LAYERS[argv[1]]
    write(argv[2], build(), fmt)
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
