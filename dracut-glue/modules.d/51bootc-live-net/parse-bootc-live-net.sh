#!/bin/sh
# cmdline hook: claim root=bootc-live:URL for http(s) and the url-lib schemes; netroot brings the network up.
command -v getarg > /dev/null || . /lib/dracut-lib.sh
[ -e /run/bootc-live.conf ] || return 0
. /lib/bootc-live-lib.sh
bootc_live_netroot http urllib
