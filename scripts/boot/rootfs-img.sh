#!/bin/bash
# rootfs-img.sh ARCHIVE OUT: a gzip'd newc cpio holding only root.oci, to pass as a second initrd (PXE)
# or to append to an initramfs; the kernel unpacks it to /root.oci next to the first one's files.
set -euo pipefail
archive=${1:?usage: rootfs-img.sh ARCHIVE OUT}
out=${2:?usage: rootfs-img.sh ARCHIVE OUT}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cp "$archive" "$tmp/root.oci"
(cd "$tmp" && echo root.oci | cpio --quiet -o -H newc --owner 0:0 --reproducible) | gzip -n > "$out"
