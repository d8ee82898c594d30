#!/bin/sh
# cmdline hook: parse root=bootc-live:SOURCE once (the program does it) and queue the setup job.
command -v getarg > /dev/null || . /lib/dracut-lib.sh
case "$(getarg root=)" in
    bootc-live:*) ;;
    *) return 0 ;;
esac
. /lib/bootc-live-lib.sh
bootc_live_parse
# Network sources are started by the netroot handler of bootc-live-net, once the network is up.
[ "$BOOTC_LIVE_SOURCE_KIND" = file ] && bootc_live_queue
