#!/bin/bash
# build-initrd.sh OUT FLAVOUR MODULE...: an initramfs of the installed Debian kernel with our modules.
#   FLAVOUR: shell (dracut's shell init) or systemd. MODULE: bootc-live, bootc-live-net, bootc-live-registry.
#   KVER (default: the newest /boot/vmlinuz-*), ROOT_OCI (an archive to embed at /root.oci, optional),
#   BOOTC_LIVE_EXTRA_MODULES (another modules.d folder, e.g. test/boot/modules.d),
#   KMODDIR (the modules of a kernel that is not installed: an extracted .../lib/modules/KVER).
set -euo pipefail
cd "$(dirname "$0")/../.."
out=${1:?usage: build-initrd.sh OUT shell|systemd MODULE...}
flavour=${2:?usage: build-initrd.sh OUT shell|systemd MODULE...}
shift 2
newest=$(printf '%s\n' /boot/vmlinuz-* | sort -V | tail -n 1)
kver=${KVER:-${newest#/boot/vmlinuz-}}
work=out/boot-work/$(basename "$out")
bash scripts/boot/bundle.sh "$work/bundle"
bash scripts/boot/dracut-base.sh "$work/dracut"

modules=(bash base "$@")
[[ $flavour == systemd ]] && modules+=(systemd systemd-initrd dracut-systemd)
# The network module would pick systemd-networkd when installed; dracut's shell init needs dhclient.
if [[ " $* " == *" bootc-live-net "* || " $* " == *" bootc-live-registry "* ]]; then
    [[ $flavour == systemd ]] && modules+=(systemd-networkd) || modules+=(network-legacy)
fi
args=(--force --no-hostonly --no-hostonly-cmdline --no-early-microcode --reproducible
    --kver "$kver" --conf /dev/null --confdir "$work/no-conf.d"
    --modules "${modules[*]}" --add-drivers "virtio_net virtio_pci" --compress zstd)
[[ -n ${ROOT_OCI:-} ]] && args+=(--include "$ROOT_OCI" /root.oci)
[[ -n ${KMODDIR:-} ]] && args+=(--kmoddir "$KMODDIR")
mkdir -p "$work/no-conf.d" "$(dirname "$out")"
BOOTC_LIVE_BUNDLE_DIR=$PWD/$work/bundle dracutbasedir=$PWD/$work/dracut \
    dracut --quiet "${args[@]}" "$out"
echo "$out: $(du -h "$out" | cut -f1) (kernel $kver, $flavour, ${*})"
