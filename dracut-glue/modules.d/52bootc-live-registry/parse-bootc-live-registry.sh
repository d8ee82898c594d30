#!/bin/sh
# cmdline hook: claim root=bootc-live:docker://...; the net module's netroot handler starts the pull.
command -v getarg > /dev/null || . /lib/dracut-lib.sh
[ -e /run/bootc-live.conf ] || return 0
. /lib/bootc-live-lib.sh
bootc_live_netroot docker
