#!/bin/bash
# Builds the sample live image OUT_DIR/root.oci (oci-archive, label `latest`; with --alt also `alt`)
# from sample/rootfs, sample/layer2, sample/layer3 and the host's busybox-static, with umoci + skopeo.
# Layers: 1 base (busybox + applet symlinks, /etc, /sbin/init); 2 adds a setuid-root file and a file
# with security.capability; 3 deletes /etc/delete-me (a whiteout) and replaces /etc/replace-me.
# `alt` is latest plus a 4th layer that changes /etc/bootc-live-variant (the report prints it).
# Usage: sample/build.sh [--alt] OUT_DIR        (root needed: owners, setuid, security.* xattrs)
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ALT=0
if [ "${1:-}" = --alt ]; then
    ALT=1
    shift
fi
OUT=${1:?usage: build.sh [--alt] OUT_DIR}
BUSYBOX=${BUSYBOX:-/bin/busybox}
export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-1700000000}
export LC_ALL=C
CREATED=$(date -u -d "@$SOURCE_DATE_EPOCH" +%Y-%m-%dT%H:%M:%SZ)
# security.capability v2 with the effective flag, permitted = cap_net_raw (bit 13).
CAP_NET_RAW_EP=0x0100000200200000000000000000000000000000

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
L=$WORK/layout
B=$WORK/bundle
R=$B/rootfs

# commit TAG WHAT: fix every time in the bundle, then umoci repack the changes as one new layer.
commit() {
    find "$R" -depth -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +
    umoci repack --refresh-bundle --image "$L:$1" --history.created "$CREATED" --history.created_by "$2" "$B"
}

umoci init --layout "$L"
umoci new --image "$L:latest"
umoci config --image "$L:latest" --created "$CREATED" --architecture amd64 --os linux \
    --config.cmd /sbin/init --no-history
umoci unpack --image "$L:latest" "$B"

# Layer 1: busybox base.
cp -r "$HERE/rootfs/." "$R/"
mkdir -p "$R/bin" "$R/sbin" "$R/usr/bin" "$R/usr/sbin" "$R/usr/libexec" "$R/proc" "$R/sys" "$R/dev" \
    "$R/run" "$R/tmp" "$R/var/tmp" "$R/root"
install -m 0755 "$BUSYBOX" "$R/bin/busybox"
for applet in $("$BUSYBOX" --list-full); do
    case $applet in
        */*) [ -e "$R/$applet" ] || [ -L "$R/$applet" ] || ln -s /bin/busybox "$R/$applet" ;;
    esac
done
chown -R -h 0:0 "$R"
find "$R" -type d -exec chmod 0755 {} +
find "$R/etc" -type f -exec chmod 0644 {} +
chmod 0755 "$R/sbin/init"
chmod 1777 "$R/tmp" "$R/var/tmp"
chmod 0700 "$R/root"
commit latest "layer 1: busybox base, /etc, /sbin/init"

# Layer 2: a setuid-root file and a file with a capability (chmod first: chown/chmod keep xattrs).
install -m 4755 -o 0 -g 0 "$HERE/layer2/usr/bin/sample-suid" "$R/usr/bin/sample-suid"
install -m 0755 -o 0 -g 0 "$BUSYBOX" "$R/usr/libexec/busybox-sample-cap"
setfattr -n security.capability -v "$CAP_NET_RAW_EP" "$R/usr/libexec/busybox-sample-cap"
commit latest "layer 2: setuid /usr/bin/sample-suid, cap_net_raw+ep busybox-sample-cap"

# Layer 3: a whiteout and a replaced file.
rm "$R/etc/delete-me" "$R/etc/replace-me"
install -m 0644 "$HERE/layer3/etc/replace-me" "$R/etc/replace-me"
commit latest "layer 3: delete /etc/delete-me, replace /etc/replace-me"

if [ "$ALT" = 1 ]; then
    umoci tag --image "$L:latest" alt
    echo alt >"$R/etc/bootc-live-variant"
    commit alt "layer 4: variant alt"
fi

# skopeo writes a clean layout (only referenced blobs); GNU tar packs it in skopeo's oci-archive
# order (blobs, index.json, oci-layout) with fixed metadata, so the archive is reproducible.
skopeo copy --quiet "oci:$L:latest" "oci:$WORK/final:latest"
[ "$ALT" = 0 ] || skopeo copy --quiet "oci:$L:alt" "oci:$WORK/final:alt"
(cd "$WORK/final" && find blobs | sort && echo index.json && echo oci-layout) >"$WORK/list"
mkdir -p "$OUT"
tar --format=ustar --mtime="@$SOURCE_DATE_EPOCH" --owner=0 --group=0 --numeric-owner \
    --mode=u=rwX,go=rX --no-recursion -cf "$OUT/root.oci" -C "$WORK/final" -T "$WORK/list"
echo "build.sh: wrote $OUT/root.oci ($(du -h "$OUT/root.oci" | cut -f1))"
