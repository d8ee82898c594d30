#!/bin/sh
# netroot handler, called as: bootc-liveroot NETIF NETROOT NEWROOT. The network is up: queue the job
# (it runs in the init loop, where a failure can stop the boot).
. /lib/bootc-live-lib.sh
bootc_live_queue
