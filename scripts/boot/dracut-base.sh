#!/bin/bash
# dracut-base.sh OUT_DIR: a dracut base folder (for dracut's $dracutbasedir) made of symlinks to the
# system's /usr/lib/dracut plus our dracut-glue/modules.d (and $BOOTC_LIVE_EXTRA_MODULES/*), so nothing
# is installed into the system.
set -euo pipefail
cd "$(dirname "$0")/../.."
out=${1:?usage: dracut-base.sh OUT_DIR}
sys=/usr/lib/dracut
rm -rf "$out"
mkdir -p "$out/modules.d"
for f in "$sys"/*; do
    [[ ${f##*/} == modules.d ]] || ln -s "$f" "$out/${f##*/}"
done
for m in "$sys"/modules.d/* "$PWD"/dracut-glue/modules.d/* ${BOOTC_LIVE_EXTRA_MODULES:+"$BOOTC_LIVE_EXTRA_MODULES"/*}; do
    ln -s "$m" "$out/modules.d/${m##*/}"
done
