#!/usr/bin/env bash
# Installs the system packages the tests, the demo and the benchmarks need, on Debian 12 as root.
# Idempotent and quiet: does nothing when everything is present.
set -euo pipefail

packages=(
    erofs-utils umoci skopeo docker-registry   # reference tools the tests compare against
    tar python3 cpio zstd gzip attr libcap2-bin e2fsprogs util-linux   # vector building and checks
    busybox-static debootstrap                  # sample image and bench corpus
    qemu-system-x86 linux-image-amd64 dracut-core dracut-network isc-dhcp-client kexec-tools   # boot tests
    make g++ python3                            # node-gyp for the native helper and zstd-napi
)

missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
    echo "setup: missing packages: ${missing[*]} (run as root to install them)" >&2
    exit 1
fi
echo "setup: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq "${missing[@]}" >/dev/null
