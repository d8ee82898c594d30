#!/bin/sh
# cmdline hook: samples MemAvailable until the bootc-live job is done (or kexec replaces the kernel).
# "mem job peak" = MemAvailable before the job minus its lowest value since, in kB; printed each time
# it grows by 4 MiB or more (a kexec'd stage never reaches pre-pivot), and once more by the report.
bootc_live_test_mem() {
    while read -r _k _v _u; do
        [ "$_k" = MemAvailable: ] && echo "$_v" && return
    done < /proc/meminfo
}
(
    _base=$(bootc_live_test_mem)
    _min=$_base
    _shown=0
    echo "<5>BOOTC-LIVE-TEST mem before job: $((_base / 1024)) MiB available" > /dev/kmsg
    until [ -e /run/bootc-live-work/ready ]; do
        _now=$(bootc_live_test_mem)
        [ "$_now" -lt "$_min" ] && _min=$_now
        echo "$((_base - _min))" > /run/bootc-live-test.peak
        if [ $((_base - _min - _shown)) -ge 4096 ]; then
            _shown=$((_base - _min))
            echo "<5>BOOTC-LIVE-TEST mem job peak: $_shown kB" > /dev/kmsg
        fi
        sleep 0.2
    done
) &
