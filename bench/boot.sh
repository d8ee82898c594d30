#!/usr/bin/env bash
# bench/boot.sh RAW WORK_DIR CLI: the boot part of `just bench` (bench/run.sh calls it; it also runs
# alone). Appends to RAW:
# - {"initrd": ...}: size and build time of scripts/boot/build-initrd.sh images (shell flavour) per
#   module set: dracut's bash + base alone, bootc-live, + bootc-live-net, + bootc-live-registry, the
#   boot images below (with the sample archive embedded at /root.oci), and the initramfs the kexec
#   sample carries (for another Debian kernel, scripts/boot/other-kernel.sh);
# - {"boot": ...}: bench/boot.mjs records of the sample image (sample/build.sh) booted under QEMU TCG
#   from the newest /boot/vmlinuz-*, in bind, EROFS and EROFS + zram mode, BENCH_RUNS times each, in
#   turns; then once per mode from a "probe" image that also holds the test module
#   test/boot/modules.d/59bootc-live-test (its sampling would skew the timed boots), and once in
#   kexec mode (EROFS + bootc.kexec, the image handed over) with the kexec sample
#   (sample/build-kexec.sh) appended to the probe image. The job's peak memory is the memory.peak of
#   its cgroup (bootc-live-lib.sh), logged by the glue and, exactly, by the test module;
# - {"jobMemory": ...}: bench/job-memory.sh, the same job per mode on this host in a cgroup, for
#   the sample (checks the host against the guest) and the bench corpus (too slow under TCG).
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
    jq -nc --arg name "$name" --arg modules "$*" --argjson embedded "$([ -n "${ROOT_OCI:-}" ] && echo true || echo false)" --arg kver "${KVER:-}" \
        --argjson bytes "$(stat -c %s "$img" 2>/dev/null || echo null)" --argjson error "$err" \
        --argjson buildSec "$(awk "BEGIN { printf \"%.1f\", $EPOCHREALTIME - $start }")" \
        '{initrd: $name, modules: ("bash base " + $modules | rtrimstr(" ")), embeddedArchive: $embedded, bytes: $bytes, buildSec: $buildSec}
            + (if $kver != "" then {kernel: $kver} else {} end) + (if $error then {error: $error} else {} end)' >>"$raw"
}

# boot MODE IMG LOG [--probe]: one boot of IMG, the sample's own command line plus rd.shell=0 (a
# failing glue stops at once instead of waiting in dracut's shell until VM_TIMEOUT).
boot() {
    local mode=$1 img=$2 log=$3 timeout=300
    shift 3
    local -a cmdline=(root=bootc-live:/root.oci rd.shell=0)
    case $mode in
        erofs) cmdline+=(bootc.live.erofs) ;;
        erofs-zram) cmdline+=(bootc.live.erofs bootc.zram=256M) ;;
        kexec) # two kernels boot and the image is 30 times the sample: TCG needs minutes
            cmdline+=(bootc.live.erofs bootc.kexec=1)
            timeout=900
            ;;
    esac
    node bench/boot.mjs --mode "$mode" --raw "$raw" --log "$log" "$@" -- \
        env KERNEL="$kernel" VM_TIMEOUT=$timeout bash scripts/boot/run-vm.sh "$img" "${cmdline[@]}" ||
        echo "bench: boot-$mode: bench/boot.mjs failed" >&2
}

# job_memory IMAGE ARCHIVE MODE...: bench/job-memory.sh on this host, with the bundle the initramfs runs.
job_memory() {
    local image=$1 archive=$2 mode
    shift 2
    for mode in "$@"; do
        bash bench/job-memory.sh "$raw" "$image" "$archive" "$mode" "node $work/bundle/bootc-live-unpack.mjs" \
            ${kexec_kernel:+"$kexec_kernel" "$work/bench-kexec-image.img"} ||
            echo "bench: job memory $image/$mode: bench/job-memory.sh failed" >&2
    done
}

bash sample/build.sh "$work/sample" >&2
sample=$work/sample/root.oci
fact sampleArchiveBytes "$(stat -c %s "$sample")"
$cli unpack "$sample" "$work/sample-tree" --quiet
fact sampleTreeBytes "$(du -sb "$work/sample-tree" | cut -f1)"
rm -rf "$work/sample-tree"
fact bootKernel "\"${kernel#/boot/vmlinuz-}\""
fact bootDate "\"$(date -u +%FT%TZ)\""

bash scripts/boot/bundle.sh "$work/bundle"

# The kexec sample: the sample plus another Debian kernel and an initramfs our glue made for it.
kexec_kernel=
kexec_sample=$work/sample-kexec/root.oci
if kver=$(bash scripts/boot/other-kernel.sh bench/cache/other-kernel); then
    KVER=$kver KMODDIR=$PWD/bench/cache/other-kernel/root/lib/modules/$kver BOOTC_LIVE_EXTRA_MODULES=$PWD/test/boot/modules.d \
        initrd kexec-image bootc-live bootc-live-test
    if [[ -f $work/bench-kexec-image.img ]] &&
        bash sample/build-kexec.sh "$sample" "$kver" "bench/cache/other-kernel/root/boot/vmlinuz-$kver" "$work/bench-kexec-image.img" "${kexec_sample%/*}" >&2; then
        kexec_kernel=$PWD/bench/cache/other-kernel/root/boot/vmlinuz-$kver
        fact sampleKexecArchiveBytes "$(stat -c %s "$kexec_sample")"
    fi
fi
[[ -n $kexec_kernel ]] || echo "bench: no kexec sample (scripts/boot/other-kernel.sh or sample/build-kexec.sh failed): no kexec figures" >&2

ROOT_OCI=$sample initrd boot bootc-live
for ((i = 1; i <= runs; i++)); do
    for mode in bind erofs erofs-zram; do boot "$mode" "$work/bench-boot.img" "$logs/boot-$mode-$i.log"; done
done
ROOT_OCI=$sample BOOTC_LIVE_EXTRA_MODULES=$PWD/test/boot/modules.d initrd probe bootc-live bootc-live-test
for mode in bind erofs erofs-zram; do boot "$mode" "$work/bench-probe.img" "$logs/boot-$mode-probe.log" --probe; done
if [[ -n $kexec_kernel && -f $work/bench-probe.img ]]; then
    # The appended archive replaces the embedded one at /root.oci (as a PXE loader's second initrd).
    bash scripts/boot/rootfs-img.sh "$kexec_sample" "$work/kexec-rootfs.img"
    cat "$work/bench-probe.img" "$work/kexec-rootfs.img" >"$work/bench-kexec.img"
    boot kexec "$work/bench-kexec.img" "$logs/boot-kexec-probe.log" --probe
fi
rm -f "$work"/bench-boot.img "$work"/bench-probe.img "$work"/bench-kexec.img "$work"/kexec-rootfs.img

echo "bench: job memory on this host (cgroup)" >&2
job_memory sample "$sample" bind erofs erofs-zram
[[ -n $kexec_kernel ]] && job_memory sample-kexec "$kexec_sample" kexec
# The corpus has no kernel: for kexec, the kexec sample's kernel and initramfs stand in for its own.
corpus=bench/cache/corpus.oci
if [[ -f $corpus ]]; then
    job_memory corpus "$corpus" bind erofs erofs-zram ${kexec_kernel:+kexec}
else
    echo "bench: no $corpus (bench/corpus.sh): no corpus figures" >&2
fi

initrd base
initrd bootc-live bootc-live
initrd net bootc-live bootc-live-net
initrd registry bootc-live bootc-live-net bootc-live-registry
rm -f "$work"/bench-*.img
