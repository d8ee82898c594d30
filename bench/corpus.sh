#!/usr/bin/env bash
# Builds the bench corpus (cached, never committed) in bench/cache/ (or $BENCH_CACHE):
#   rootfs/            Debian bookworm minbase + systemd, python3, perl, openssh-server... (300-400 MB)
#   layout/            OCI layout with tags: gzip (3 layers), zstd (3 layers), squashed (1 layer, gzip)
#   corpus.oci         oci-archive of the 3-layer gzip image   (label latest)
#   corpus-zstd.oci    the same layers recompressed with zstd  (label latest)
#   corpus-squashed.oci one gzip layer holding the whole tree   (label latest)
# Each step is skipped when its output exists. Needs root (debootstrap, umoci as root).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cache=${BENCH_CACHE:-$here/cache}
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
mkdir -p "$cache"
cd "$cache"

if [ ! -e rootfs/.complete ]; then
    rm -rf rootfs
    echo "corpus: debootstrap bookworm (a few minutes)" >&2
    debootstrap --variant=minbase \
        --include=systemd,systemd-sysv,python3,perl,openssh-server,iproute2,less,procps,ca-certificates,kmod,udev \
        bookworm rootfs "$mirror" >debootstrap.log 2>&1 || { tail -20 debootstrap.log >&2; exit 1; }
    rm -rf rootfs/var/cache/apt/archives/*.deb rootfs/var/lib/apt/lists/*
    touch rootfs/.complete
fi

# Layer split: 1 = all but /usr/share and /usr/lib/python3*; 2 = /usr/share; 3 = python, plus a
# whiteout (a deleted file) and a replaced file, so the corpus exercises whiteouts too.
if [ ! -e layout/.complete ]; then
    rm -rf layout bundle bundle-full corpus*.oci
    umoci init --layout layout
    umoci new --image layout:gzip
    umoci unpack --image layout:gzip bundle >/dev/null
    tar -C rootfs --exclude=./.complete --exclude=./usr/share --exclude='./usr/lib/python3*' -cf - . | tar -C bundle/rootfs -xf -
    umoci repack --refresh-bundle --image layout:gzip bundle
    tar -C rootfs -cf - ./usr/share | tar -C bundle/rootfs -xf -
    umoci repack --refresh-bundle --image layout:gzip bundle
    (cd rootfs && tar -cf - ./usr/lib/python3*) | tar -C bundle/rootfs -xf -
    rm -f bundle/rootfs/etc/motd
    echo "bootc-live bench corpus" >bundle/rootfs/etc/issue
    umoci repack --refresh-bundle --image layout:gzip bundle
    rm -rf bundle

    umoci new --image layout:squashed
    umoci unpack --image layout:squashed bundle >/dev/null
    umoci unpack --image layout:gzip bundle-full >/dev/null
    rm -rf bundle/rootfs && mv bundle-full/rootfs bundle/rootfs && rm -rf bundle-full
    umoci repack --image layout:squashed bundle
    rm -rf bundle
    umoci gc --layout layout
    touch layout/.complete
fi

[ -e corpus.oci ] || skopeo copy -q oci:layout:gzip oci-archive:corpus.oci:latest
[ -e corpus-squashed.oci ] || skopeo copy -q oci:layout:squashed oci-archive:corpus-squashed.oci:latest
[ -e corpus-zstd.oci ] || skopeo copy -q --dest-compress-format zstd --dest-compress oci:layout:gzip oci-archive:corpus-zstd.oci:latest
ls -l "$cache"/*.oci >&2
