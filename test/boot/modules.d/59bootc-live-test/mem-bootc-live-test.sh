#!/bin/sh
# cmdline hook: MemAvailable before the job, then, until the job is done (or kexec replaces the
# kernel, so that the report hook never runs), the memory.peak of the job's cgroup (bootc-live-lib.sh)
# as "mem job peak: N kB": each time it grew by 4 MiB or more, and once more when it stayed the same
# for a second (kexec's first stage ends that way: the next initrd is written, the load takes a while).
while read -r _k _v _u; do
    [ "$_k" = MemAvailable: ] && break
done < /proc/meminfo
echo "<5>BOOTC-LIVE-TEST mem before job: $((_v / 1024)) MiB available" > /dev/kmsg
(
    _f=/sys/fs/cgroup/bootc-live-job/memory.peak
    _shown=0
    _last=0
    _same=0
    until [ -e /run/bootc-live-work/ready ]; do
        _now=0
        [ -e $_f ] && read -r _now < $_f
        _now=$((_now / 1024))
        if [ "$_now" = "$_last" ]; then _same=$((_same + 1)); else _same=0; fi
        _last=$_now
        if [ $((_now - _shown)) -ge 4096 ] || { [ $_same = 5 ] && [ "$_now" != "$_shown" ]; }; then
            _shown=$_now
            echo "<5>BOOTC-LIVE-TEST mem job peak: $_now kB" > /dev/kmsg
        fi
        sleep 0.2
    done
) &
