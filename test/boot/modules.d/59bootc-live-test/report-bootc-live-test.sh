#!/bin/sh
# pre-pivot hook: BOOTC-LIVE-TEST lines on the console (through kmsg, so the systemd flavour shows them too).
[ -e /run/bootc-live-work/ready ] || return 0
if [ -e /root.oci ]; then _t=present; else _t=freed; fi
echo "<5>BOOTC-LIVE-TEST archive: $_t" > /dev/kmsg
if [ -e /run/bootc-live-work/root.erofs ]; then
    _t=$(sha256sum /run/bootc-live-work/root.erofs)
    echo "<5>BOOTC-LIVE-TEST erofs sha256: ${_t%% *}" > /dev/kmsg
fi
