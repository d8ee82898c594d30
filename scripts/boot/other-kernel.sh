#!/bin/bash
# other-kernel.sh OUT_DIR: a Debian kernel other than the installed one, for kexec tests: the newest
# linux-image-*-cloud-amd64 (the flavour of linux-image-cloud-amd64: a different build and `uname -r`,
# 27 MB, always in the same suite as the installed kernel), downloaded with apt-get and extracted
# without installing it. Prints its version; its files:
#   OUT_DIR/root/boot/vmlinuz-KVER   OUT_DIR/root/lib/modules/KVER (with modules.dep: dracut's KMODDIR)
set -euo pipefail
out=${1:?usage: other-kernel.sh OUT_DIR}
pkg=$(apt-cache depends linux-image-cloud-amd64 | awk '$1 == "Depends:" && $2 ~ /^linux-image-/ { print $2; exit }')
[[ -n $pkg ]] || {
    echo "other-kernel.sh: apt knows no linux-image-cloud-amd64 (run apt-get update)" >&2
    exit 1
}
kver=${pkg#linux-image-}
if [[ ! -f $out/root/lib/modules/$kver/modules.dep ]]; then
    rm -rf "$out"
    mkdir -p "$out"
    (cd "$out" && apt-get download -q=2 "$pkg")
    dpkg-deb -x "$out"/"$pkg"_*.deb "$out/root"
    rm "$out"/"$pkg"_*.deb
    depmod -b "$out/root" "$kver"
fi
echo "$kver"
