#!/usr/bin/env bash
# The demo on the bundled sample: build the sample live image (busybox, 3 layers with a whiteout, a
# setuid file, a file capability), inspect it, unpack it, build its EROFS image, print its digest,
# then boot it in QEMU with our dracut module and show the live system's report.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh
npm ci --no-audit --no-fund --loglevel=error
npm run --silent build

out=out/demo
rm -rf "$out" && mkdir -p "$out"
bin() { node dist/bin/bootc-live-unpack.js "$@"; }
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "build the sample live image (sample/build.sh, umoci + skopeo)"
bash sample/build.sh --alt "$out" >/dev/null
ls -l "$out/root.oci"

step "bootc-live-unpack inspect $out/root.oci"
bin inspect "$out/root.oci"

step "bootc-live-unpack unpack $out/root.oci $out/rootfs"
bin unpack "$out/root.oci" "$out/rootfs" --progress lines
ls -l "$out/rootfs/usr/bin/sample-suid" "$out/rootfs/etc"

step "bootc-live-unpack erofs $out/root.oci $out/root.erofs"
bin erofs "$out/root.oci" "$out/root.erofs" --progress lines
fsck.erofs "$out/root.erofs" && echo "fsck.erofs: ok"

step "digests: the image file, digest SOURCE, digest DIR (all equal)"
sha256sum "$out/root.erofs"
bin digest "$out/root.oci"
bin digest "$out/rootfs"

step "boot it: our dracut module + the archive embedded in the initramfs, Debian's kernel, QEMU TCG"
ROOT_OCI=$out/root.oci bash scripts/boot/build-initrd.sh "$out/initrd.img" shell bootc-live
cp "$(printf '%s\n' /boot/vmlinuz-* | sort -V | tail -n 1)" "$out/kernel.img"
# The console shows our progress lines and the live system's own report, then it powers off.
KERNEL=$out/kernel.img VM_TIMEOUT=300 bash scripts/boot/run-vm.sh "$out/initrd.img" root=bootc-live:/root.oci \
    | tr -d '\r' | tee "$out/console.log" \
    | sed -n -e '/reading layer\|writing layer\|unpacked .* into\|FATAL/p' -e '/BOOTC-LIVE-REPORT-BEGIN/,/BOOTC-LIVE-REPORT-END/p'
grep -q BOOTC-LIVE-REPORT-END "$out/console.log" || { echo "demo: the live system did not report (console: $out/console.log)" >&2; exit 1; }
