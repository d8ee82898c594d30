#!/bin/sh
# initqueue job, sourced by the init loop so that die stops the boot (a child's die would not).
. /lib/bootc-live-lib.sh
bootc_live_setup
