#!/usr/bin/env bash
# bench/boot.sh RAW WORK_DIR CLI: the boot part of `just bench` (bench/run.sh calls it; it also runs
# alone). Appends to RAW:
# - {"initrd": ...}: size and build time of scripts/boot/build-initrd.sh images (shell flavour) per
#   module set: dracut's bash + base alone, bootc-live, + bootc-live-net, + bootc-live-registry, and
#   the boot images below (with the sample archive embedded at /root.oci);
# - {"boot": ...}: bench/boot.mjs records of the sample image (sample/build.sh) booted under QEMU TCG
#   from the newest /boot/vmlinuz-*, bind and EROFS mode, BENCH_RUNS times each, in turns; then once
#   per mode from a "probe" image that also holds the test module test/boot/modules.d/59bootc-live-test,
#   whose MemAvailable sampling gives the peak memory of the initramfs job (its sampling would skew
#   the timed boots, so those run without it).
# A failed build or boot is a record with "error" and a line on stderr, never an exit.
set -euo pipefail
cd "$(dirname "$0")/.."
raw=${1:?usage: boot.sh RAW WORK_DIR CLI}
work=${2:?usage: boot.sh RAW WORK_DIR CLI}
cli=${3:?usage: boot.sh RAW WORK_DIR CLI}
runs=${BENCH_RUNS:-3}
logs=bench/results/tmp # console logs of every boot (gitignored)
kernel=$(printf '%s\n' /boot/vmlinuz-* | sort -V | tail -n 1)
mkdir -p "$work" "$logs"

fact() { printf '{"fact":"%s","value":%s}\n' "$1" "$2" >>"$raw"; }

# initrd NAME MODULE...: build $work/bench-NAME.img (ROOT_OCI and BOOTC_LIVE_EXTRA_MODULES pass through).
# The bench- prefix keeps its out/boot-work/ folder apart from the boot tests'.
initrd() {
    local name=$1 img=$work/bench-$1.img start err=null
    shift
    start=$EPOCHREALTIME
    if ! bash scripts/boot/build-initrd.sh "$img" shell "$@" >&2; then
        err='"build-initrd.sh failed"'
        echo "bench: initrd $name: build-initrd.sh failed" >&2
        rm -f "$img"
    fi
    jq -nc --arg name "$name" --arg modules "$*" --argjson embedded "$([ -n "${ROOT_OCI:-}" ] && echo true || echo false)" \
        --argjson bytes "$(stat -c %s "$img" 2>/dev/null || echo null)" --argjson error "$err" \
        --argjson buildSec "$(awk "BEGIN { printf \"%.1f\", $EPOCHREALTIME - $start }")" \
        '{initrd: $name, modules: ("bash base " + $modules | rtrimstr(" ")), embeddedArchive: $embedded, bytes: $bytes, buildSec: $buildSec} + (if $error then {error: $error} else {} end)' >>"$raw"
}

# boot MODE IMG LOG [--probe]: one boot of IMG, the sample's own command line plus rd.shell=0 (a
# failing glue stops at once instead of waiting in dracut's shell until VM_TIMEOUT).
boot() {
    local mode=$1 img=$2 log=$3
    shift 3
    local -a cmdline=(root=bootc-live:/root.oci rd.shell=0)
    [[ $mode == erofs ]] && cmdline+=(bootc.live.erofs)
    node bench/boot.mjs --mode "$mode" --raw "$raw" --log "$log" "$@" -- \
        env KERNEL="$kernel" VM_TIMEOUT=300 bash scripts/boot/run-vm.sh "$img" "${cmdline[@]}" ||
        echo "bench: boot-$mode: bench/boot.mjs failed" >&2
}

bash sample/build.sh "$work/sample" >&2
sample=$work/sample/root.oci
fact sampleArchiveBytes "$(stat -c %s "$sample")"
$cli unpack "$sample" "$work/sample-tree" --quiet
fact sampleTreeBytes "$(du -sb "$work/sample-tree" | cut -f1)"
rm -rf "$work/sample-tree"
fact bootKernel "\"${kernel#/boot/vmlinuz-}\""

ROOT_OCI=$sample initrd boot bootc-live
for ((i = 1; i <= runs; i++)); do
    for mode in bind erofs; do boot "$mode" "$work/bench-boot.img" "$logs/boot-$mode-$i.log"; done
done
ROOT_OCI=$sample BOOTC_LIVE_EXTRA_MODULES=$PWD/test/boot/modules.d initrd probe bootc-live bootc-live-test
for mode in bind erofs; do boot "$mode" "$work/bench-probe.img" "$logs/boot-$mode-probe.log" --probe; done
rm -f "$work"/bench-boot.img "$work"/bench-probe.img

initrd base
initrd bootc-live bootc-live
initrd net bootc-live bootc-live-net
initrd registry bootc-live bootc-live-net bootc-live-registry
rm -f "$work"/bench-*.img
