#!/bin/sh
# pre-pivot hook: BOOTC-LIVE-TEST lines on the console (through kmsg, so the systemd flavour shows them too).
[ -e /run/bootc-live-work/ready ] || return 0
_t=freed
for _f in /root.oci /bootc-live/root.oci /run/bootc-live-work/root.oci; do
    [ -e "$_f" ] && _t="present $_f"
done
echo "<5>BOOTC-LIVE-TEST archive: $_t" > /dev/kmsg
for _f in /run/bootc-live-work/root.erofs /bootc-live/root.erofs; do
    [ -e "$_f" ] || continue
    _t=$(sha256sum "$_f")
    echo "<5>BOOTC-LIVE-TEST erofs sha256: ${_t%% *}" > /dev/kmsg
done
# Memory: the job's peak and what stays charged to it (its cgroup, kept by bootc-live-lib.sh), of
# that the page cache of real files (the kernel may drop it: ext4 on zram), what is in use in the
# whole guest now, and the work area's own usage.
_cg=/sys/fs/cgroup/bootc-live-job
if [ -e $_cg/memory.peak ]; then
    read -r _t < $_cg/memory.peak
    echo "<5>BOOTC-LIVE-TEST mem job peak: $((_t / 1024)) kB" > /dev/kmsg
    read -r _t < $_cg/memory.current
    echo "<5>BOOTC-LIVE-TEST mem job kept: $((_t / 1024)) kB" > /dev/kmsg
    while read -r _k _v; do
        case $_k in file) _file=$_v ;; shmem) _shmem=$_v ;; esac
    done < $_cg/memory.stat
    echo "<5>BOOTC-LIVE-TEST mem job kept page cache: $(((_file - _shmem) / 1024)) kB" > /dev/kmsg
fi
while read -r _k _v _u; do
    case $_k in MemTotal:) _total=$_v ;; MemAvailable:) _avail=$_v ;; esac
done < /proc/meminfo
echo "<5>BOOTC-LIVE-TEST mem used after job: $((_total - _avail)) kB" > /dev/kmsg
_t=$(df -k /run/bootc-live-work | tail -n 1)
echo "<5>BOOTC-LIVE-TEST work df: $_t" > /dev/kmsg
if [ -e /sys/block/zram0/mm_stat ]; then
    read -r _t < /sys/block/zram0/mm_stat
    echo "<5>BOOTC-LIVE-TEST zram mm_stat: $_t" > /dev/kmsg
fi
