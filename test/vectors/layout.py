#!/usr/bin/env python3
"""Edits of an OCI image layout made by umoci, for the vectors skopeo/umoci cannot write.

Usage (LAYOUT is a directory, TAG a ref.name in its index.json):
  layout.py recompress LAYOUT TAG MODE      layer blobs -> gzip-multi | zstd | zstd-skippable | tar | docker
  layout.py corrupt LAYOUT TAG KIND         break one thing; prints the expected message substring
  layout.py index LAYOUT LABEL TAG=OS/ARCH...    replace index.json by LABEL -> image index of TAGs
  layout.py nest LAYOUT LABEL               wrap LABEL's descriptor in one more image index
  layout.py fix-mtime ARCHIVE               set every tar header mtime to SOURCE_DATE_EPOCH in place
JSON is written compactly with sorted keys, so the outputs are byte-reproducible.
"""
import gzip
import hashlib
import io
import json
import os
import subprocess
import sys
import tarfile

EPOCH = int(os.environ.get('SOURCE_DATE_EPOCH', '1700000000'))
MT = {
    'index': 'application/vnd.oci.image.index.v1+json',
    'manifest': 'application/vnd.oci.image.manifest.v1+json',
    'config': 'application/vnd.oci.image.config.v1+json',
    'tar': 'application/vnd.oci.image.layer.v1.tar',
    'gzip': 'application/vnd.oci.image.layer.v1.tar+gzip',
    'zstd': 'application/vnd.oci.image.layer.v1.tar+zstd',
    'docker-manifest': 'application/vnd.docker.distribution.manifest.v2+json',
    'docker-config': 'application/vnd.docker.container.image.v1+json',
    'docker-layer': 'application/vnd.docker.image.rootfs.diff.tar.gzip',
    'schema1': 'application/vnd.docker.distribution.manifest.v1+prettyjws',
}
REF = 'org.opencontainers.image.ref.name'


def dump(obj):
    return json.dumps(obj, separators=(',', ':'), sort_keys=True).encode()


class Layout:
    def __init__(self, path):
        self.path = path
        self.index = json.loads(self.read('index.json'))

    def read(self, rel):
        with open(os.path.join(self.path, rel), 'rb') as f:
            return f.read()

    def blob_path(self, digest):
        alg, hexd = digest.split(':')
        return os.path.join(self.path, 'blobs', alg, hexd)

    def blob(self, desc):
        with open(self.blob_path(desc['digest']), 'rb') as f:
            return f.read()

    def put(self, data, media_type, name=None):
        """Store data under its digest (or under `name`, to make a digest mismatch); returns a descriptor."""
        digest = 'sha256:' + hashlib.sha256(data).hexdigest()
        with open(self.blob_path(name or digest), 'wb') as f:
            f.write(data)
        return {'mediaType': media_type, 'digest': digest, 'size': len(data)}

    def desc(self, tag):
        for d in self.index['manifests']:
            if d.get('annotations', {}).get(REF) == tag:
                return d
        raise SystemExit('layout.py: no tag %s' % tag)

    def set_desc(self, tag, new):
        d = self.desc(tag)
        d.clear()
        d.update(new, annotations={REF: tag})

    def save_index(self, raw=None):
        with open(os.path.join(self.path, 'index.json'), 'wb') as f:
            f.write(raw if raw is not None else dump(self.index))

    def image(self, tag):
        """(manifest, config) of TAG as dicts."""
        m = json.loads(self.blob(self.desc(tag)))
        return m, json.loads(self.blob(m['config']))

    def save_image(self, tag, manifest, config=None, manifest_type=None):
        if config is not None:
            manifest['config'] = self.put(dump(config), manifest['config']['mediaType'])
        self.set_desc(tag, self.put(dump(manifest), manifest_type or manifest.get('mediaType', MT['manifest'])))
        self.save_index()


def tar_of(layout, desc):
    data = layout.blob(desc)
    return gzip.decompress(data) if data[:2] == b'\x1f\x8b' else data


def zstd(data):
    return subprocess.run(['zstd', '-q', '-19', '--no-check', '-c'], input=data, check=True,
                          stdout=subprocess.PIPE).stdout


def gzip_members(data, parts=3):
    step = -(-len(data) // parts)
    return b''.join(gzip.compress(data[i:i + step], 9, mtime=0) for i in range(0, len(data), step))


# A zstd skippable frame (magic 0x184D2A50..5F, little-endian length) as zstd:chunked puts around data.
SKIPPABLE = (0x184D2A50).to_bytes(4, 'little') + (8).to_bytes(4, 'little') + b'manifest'

RECOMPRESS = {
    'gzip-multi': (gzip_members, MT['gzip']),
    'zstd': (zstd, MT['zstd']),
    'zstd-skippable': (lambda d: SKIPPABLE + zstd(d), MT['zstd']),
    'tar': (lambda d: d, MT['tar']),
    'gzip-as-zstd': (lambda d: gzip.compress(d, 9, mtime=0), MT['zstd']),
    'docker': (lambda d: gzip.compress(d, 9, mtime=0), MT['docker-layer']),
}


def recompress(layout, tag, mode):
    fn, media_type = RECOMPRESS[mode]
    m, c = layout.image(tag)
    m['layers'] = [layout.put(fn(tar_of(layout, d)), media_type) for d in m['layers']]
    if mode == 'docker':
        m['mediaType'] = MT['docker-manifest']
        m['config']['mediaType'] = MT['docker-config']
    layout.save_image(tag, m, c)


def corrupt(layout, tag, kind):
    """Applies KIND; returns the message substring the library's error should contain."""
    m, c = layout.image(tag)
    layer = m['layers'][0]
    if kind == 'layer-digest':  # flip one content byte of an uncompressed layer, keep its name
        data = bytearray(layout.blob(layer))
        with tarfile.open(fileobj=io.BytesIO(bytes(data))) as t:
            data[next(e.offset_data for e in t if e.isreg() and e.size)] ^= 0x20  # file bytes, not a header
        got = layout.put(bytes(data), layer['mediaType'], name=layer['digest'])['digest']
        return 'got %s, want %s' % (got, layer['digest'])
    if kind in ('gzip-truncated', 'gzip-crc'):  # a valid descriptor for a broken gzip stream
        data = bytearray(layout.blob(layer))
        if kind == 'gzip-truncated':
            data = data[:len(data) * 2 // 3]
        else:
            data[-8] ^= 0xff  # CRC32 in the member trailer
        m['layers'][0] = layout.put(bytes(data), layer['mediaType'])
        layout.save_image(tag, m)
        return 'gzip'
    if kind == 'manifest-digest':  # same size, still valid JSON, one hex digit changed, same name
        d = layout.desc(tag)
        data = layout.blob(d)
        cfg = m['config']['digest'].encode()
        data = data.replace(cfg, cfg[:-1] + (b'0' if cfg[-1:] != b'0' else b'1'))
        got = layout.put(data, d['mediaType'], name=d['digest'])['digest']
        return 'got %s, want %s' % (got, d['digest'])
    if kind == 'layer-size':
        layer['size'] += 1
        layout.save_image(tag, m)
        return 'got %d, want %d' % (layer['size'] - 1, layer['size'])
    if kind == 'missing-blob':
        os.unlink(layout.blob_path(layer['digest']))
        return layer['digest']
    if kind == 'diff-id':
        c['rootfs']['diff_ids'][0] = 'sha256:' + hashlib.sha256(b'not this layer').hexdigest()
        layout.save_image(tag, m, c)
        return 'want ' + c['rootfs']['diff_ids'][0]
    if kind == 'diff-id-count':
        c['rootfs']['diff_ids'].append(c['rootfs']['diff_ids'][0])
        layout.save_image(tag, m, c)
        return 'diff_ids'
    if kind == 'json-index':
        layout.save_index(dump(layout.index)[:-7])
        return 'index.json'
    if kind == 'json-manifest':
        layout.set_desc(tag, layout.put(b'{"schemaVersion":2,"config":', MT['manifest']))
        layout.save_index()
        return 'manifest'
    if kind == 'json-config':
        m['config'] = layout.put(b'{"architecture":"amd64",', MT['config'])
        layout.save_image(tag, m)
        return 'config'
    if kind in ('encrypted', 'unknown-media-type'):
        layer['mediaType'] = MT['gzip'] + '+encrypted' if kind == 'encrypted' else 'application/x-unknown-layer'
        layout.save_image(tag, m)
        return layer['mediaType']
    if kind == 'schema1':
        s1 = {'schemaVersion': 1, 'name': 'sample', 'tag': tag, 'architecture': 'amd64',
              'fsLayers': [{'blobSum': layer['digest']}], 'history': [{'v1Compatibility': dump(c).decode()}]}
        layout.set_desc(tag, layout.put(dump(s1), MT['schema1']))
        layout.save_index()
        return 'schema1'
    if kind == 'manifest-media-type':  # the manifest says it is an index; the descriptor says manifest
        m['mediaType'] = MT['index']
        layout.save_image(tag, m, manifest_type=MT['manifest'])
        return MT['index']
    raise SystemExit('layout.py: unknown corruption %s' % kind)


def make_index(layout, label, specs):
    entries = []
    for spec in specs:
        tag, plat = spec.split('=')
        os_, arch = plat.split('/')
        entries.append(dict(layout.desc(tag), platform={'os': os_, 'architecture': arch}))
        entries[-1].pop('annotations')
    idx = layout.put(dump({'schemaVersion': 2, 'mediaType': MT['index'], 'manifests': entries}), MT['index'])
    layout.index['manifests'] = [dict(idx, annotations={REF: label})]
    layout.save_index()


def nest(layout, label):
    inner = dict(layout.desc(label))
    inner.pop('annotations')
    outer = layout.put(dump({'schemaVersion': 2, 'mediaType': MT['index'], 'manifests': [inner]}), MT['index'])
    layout.set_desc(label, outer)
    layout.save_index()


def fix_mtime(path):
    """Patch each ustar header's mtime (offset 136, 12 bytes) and checksum (148, 8) in place."""
    with open(path, 'r+b') as f:
        data = bytearray(f.read())
        off = 0
        while off + 512 <= len(data) and any(data[off:off + 512]):
            hdr = data[off:off + 512]
            if hdr[156:157] in (b'x', b'g'):
                raise SystemExit('layout.py: pax header in %s, cannot patch' % path)
            hdr[136:148] = b'%011o\0' % EPOCH
            hdr[148:156] = b' ' * 8
            hdr[148:156] = b'%06o\0 ' % sum(hdr)
            data[off:off + 512] = hdr
            size = int(hdr[124:136].strip(b'\0 ') or b'0', 8)
            off += 512 + -(-size // 512) * 512
        f.seek(0)
        f.write(data)


def main(argv):
    cmd, args = argv[1], argv[2:]
    if cmd == 'fix-mtime':
        fix_mtime(args[0])
        return 0
    layout = Layout(args[0])
    if cmd == 'recompress':
        recompress(layout, args[1], args[2])
    elif cmd == 'corrupt':
        print(corrupt(layout, args[1], args[2]))
    elif cmd == 'index':
        make_index(layout, args[1], args[2:])
    elif cmd == 'nest':
        nest(layout, args[1])
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
