#!/bin/sh
# mount hook (shell init): the assembled root, with its /etc and /var mounts, onto $NEWROOT.
command -v getarg > /dev/null || . /lib/dracut-lib.sh
[ -e /run/bootc-live-work/ready ] || return 0
mount -o rbind,slave,shared /run/bootc-live "$NEWROOT" || die "bootc-live: cannot bind /run/bootc-live on $NEWROOT"
