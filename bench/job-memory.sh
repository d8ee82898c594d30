#!/usr/bin/env bash
# bench/job-memory.sh RAW IMAGE ARCHIVE MODE CLI [KERNEL INITRD]: the peak memory of the dracut glue's
# job for one boot mode, on this host: the commands bootc-live-lib.sh runs in that mode, on a fresh
# tmpfs (ext4 on a new zram device for erofs-zram), inside a new memory cgroup, so that its peak
# counts the processes and the tmpfs pages they write, as memory.peak of the job's cgroup does in the
# guest. The archive is only read (in the initramfs it is in RAM before the job starts, so it is
# charged to no job either). Appends {"jobMemory": MODE, ...} to RAW, or a record with "error".
# Modes: bind (unpack), erofs, erofs-zram (erofs on ext4 on zram: the zram store is not charged to
# any cgroup, so mm_stat's mem_used_max is recorded beside it), kexec (erofs, then the next initrd as
# bootc-live-kexec.sh builds it: KERNEL copied, INITRD with the EROFS image appended, or the archive
# when the image is over twice its size; the peak before that step is recorded too, as the archive
# is freed there when the image goes instead; the kernel's own copy at kexec load is not charged).
# cgroup v2 (memory.peak) when the memory controller is on the unified hierarchy at /sys/fs/cgroup,
# else v1 (memory.max_usage_in_bytes) in a child of this shell's own memory cgroup. Needs root.
set -euo pipefail
usage='usage: job-memory.sh RAW IMAGE ARCHIVE MODE CLI [KERNEL INITRD]'
raw=${1:?$usage}
image=${2:?$usage}
archive=${3:?$usage}
mode=${4:?$usage}
read -ra cli <<<"${5:?$usage}"
kernel=${6:-}
initrd=${7:-}

record() { # record JSON: one line for RAW, with the fields every record has
    jq -nc --arg mode "$mode" --arg image "$image" --argjson archiveBytes "$(stat -c %s "$archive")" --argjson rest "$1" \
        '{jobMemory: $mode, image: $image, where: "host", archiveBytes: $archiveBytes} + $rest' >>"$raw"
}
fail() {
    echo "bench: job memory $image/$mode: $1" >&2
    record "$(jq -nc --arg e "$1" '{error: $e}')"
    exit 0
}

if grep -qw memory /sys/fs/cgroup/cgroup.controllers 2>/dev/null; then
    grep -qw memory /sys/fs/cgroup/cgroup.subtree_control || echo +memory >/sys/fs/cgroup/cgroup.subtree_control
    cg=/sys/fs/cgroup/bootc-live-bench.$$ cgv=2 peak_file=memory.peak now_file=memory.current cache_key=file
else
    v1=$(awk '$3 == "cgroup" && $4 ~ /(^|,)memory(,|$)/ { print $2; exit }' /proc/mounts)
    [[ -n $v1 ]] || fail "no memory cgroup controller on this host"
    cg=$v1$(awk -F: '$2 ~ /(^|,)memory(,|$)/ { print $3 }' /proc/self/cgroup)/bootc-live-bench.$$
    cgv=1 peak_file=memory.max_usage_in_bytes now_file=memory.usage_in_bytes cache_key=cache
fi

tmp=$(mktemp -d /tmp/bootc-live-job.XXXXXX)
work=$tmp/work
zram=
cleanup() {
    mountpoint -q "$work" && umount "$work"
    mountpoint -q "$tmp" && umount "$tmp"
    [[ -n $zram ]] && echo "$zram" >/sys/class/zram-control/hot_remove
    [[ -d $cg ]] && rmdir "$cg"
    rm -rf "$tmp"
}
trap cleanup EXIT
mkdir "$cg"
# /run in the initramfs: the kexec files go there, beside the work area.
mount -t tmpfs -o mode=0755 bench-run "$tmp"
mkdir "$work"
if [[ $mode == erofs-zram ]]; then
    # The glue's bootc.zram: ext4 on zram, mounted with discard; 1 GiB holds the corpus's image.
    zram=$(cat /sys/class/zram-control/hot_add) || fail "no zram on this host"
    echo 1G >"/sys/block/zram$zram/disksize"
    mkfs.ext4 -q -m 0 "/dev/zram$zram"
    mount -t ext4 -o suid,dev,discard "/dev/zram$zram" "$work"
else
    mount -t tmpfs -o mode=0755,suid,dev bootc-live "$work"
fi

# in_cgroup CMD...: CMD inside the job's cgroup (its output in $tmp/log); a failure is the record's error.
in_cgroup() {
    bash -c 'echo $$ > "$1/cgroup.procs" && shift && exec "$@"' _ "$cg" "$@" >>"$tmp/log" 2>&1 || fail "$(tail -n 1 "$tmp/log")"
}
# The archive and node: already in the page cache, charged elsewhere, as the initramfs's files are in
# the guest. The kernel and initrd the kexec stage copies: not, since the glue reads them from the
# mounted image, whose page cache is charged to the job.
cat "$archive" "$(readlink -f "$(command -v node)")" >/dev/null
if [[ $mode == kexec ]]; then
    [[ -f $kernel && -f $initrd ]] || fail "kexec needs KERNEL and INITRD"
    sync "$kernel" "$initrd"
    for f in "$kernel" "$initrd"; do dd if="$f" iflag=nocache count=0 status=none; done
fi
case $mode in
    bind)
        in_cgroup mkdir "$work/tree"
        in_cgroup "${cli[@]}" unpack "$archive" "$work/tree" --progress lines
        ;;
    erofs | erofs-zram) in_cgroup "${cli[@]}" erofs "$archive" "$work/root.erofs" --progress lines ;;
    kexec)
        in_cgroup "${cli[@]}" erofs "$archive" "$work/root.erofs" --progress lines
        before_hand=$(cat "$cg/$peak_file")
        # bootc_live_kexec_pick: the EROFS image when it is at most twice the archive.
        hand=bootc-live/root.oci=$archive
        (($(stat -c %s "$work/root.erofs") <= 2 * $(stat -c %s "$archive"))) && hand=bootc-live/root.erofs=$work/root.erofs
        in_cgroup mkdir "$tmp/kexec"
        in_cgroup cp "$kernel" "$tmp/kexec/vmlinuz"
        in_cgroup "${cli[@]}" initrd-append "$initrd" "$tmp/kexec/initrd.img" "$hand"
        ;;
    *) fail "unknown mode" ;;
esac
zram_max=null
if [[ -n $zram ]]; then
    sync -f "$work/root.erofs" # mm_stat counts only what ext4 wrote back to the device
    zram_max=$(awk '{ print $5 }' "/sys/block/zram$zram/mm_stat")
fi
handed=null next=null before_hand=${before_hand:-null}
if [[ $mode == kexec ]]; then
    handed=\"${hand%%=*}\"
    next=$(stat -c %s "$tmp/kexec/initrd.img")
fi
# Page cache of real files (v2 file, v1 cache, both with tmpfs's shmem in them): the kernel may drop it.
page_cache=$(awk -v k="$cache_key" '$1 == k { c = $2 } $1 == "shmem" { s = $2 } END { print c - s }' "$cg/memory.stat")
record "$(jq -nc --argjson cgroup "$cgv" --argjson peak "$(cat "$cg/$peak_file")" --argjson kept "$(cat "$cg/$now_file")" --argjson cache "$page_cache" \
    --argjson written "$(du -sb --exclude=lost+found "$work" | cut -f1)" --argjson zramMax "$zram_max" \
    --argjson hand "$handed" --argjson next "$next" --argjson before "$before_hand" \
    '{cgroup: $cgroup, peakBytes: $peak, keptBytes: $kept, keptPageCacheBytes: $cache, writtenBytes: $written}
     + (if $zramMax then {zramMemUsedMaxBytes: $zramMax} else {} end)
     + (if $hand then {handOver: $hand, nextInitrdBytes: $next, peakBeforeHandOverBytes: $before} else {} end)')"
echo "  job memory $image/$mode (host, cgroup v$cgv): peak $(($(cat "$cg/$peak_file") >> 20)) MiB" >&2
