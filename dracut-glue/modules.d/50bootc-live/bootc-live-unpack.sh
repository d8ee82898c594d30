#!/bin/sh
# The program: one esbuild bundle run by the system's node (native addons beside it, see module-setup.sh).
exec /usr/bin/node /usr/lib/bootc-live/bootc-live-unpack.mjs "$@"
