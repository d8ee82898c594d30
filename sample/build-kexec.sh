#!/bin/bash
# Builds the kexec variant of the sample image: OUT_DIR/root.oci is ARCHIVE's `latest` (from build.sh)
# plus a layer with the kernel a bootc.kexec boot loads: /usr/lib/modules/KVER/vmlinuz and the
# initramfs.img beside it. Label `latest`; reproducible like build.sh (SOURCE_DATE_EPOCH).
# Usage: sample/build-kexec.sh ARCHIVE KVER VMLINUZ INITRAMFS OUT_DIR        (root needed)
set -euo pipefail

usage='usage: build-kexec.sh ARCHIVE KVER VMLINUZ INITRAMFS OUT_DIR'
ARCHIVE=${1:?$usage}
KVER=${2:?$usage}
VMLINUZ=${3:?$usage}
INITRAMFS=${4:?$usage}
OUT=${5:?$usage}
export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-1700000000}
export LC_ALL=C
CREATED=$(date -u -d "@$SOURCE_DATE_EPOCH" +%Y-%m-%dT%H:%M:%SZ)

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
L=$WORK/layout
B=$WORK/bundle
R=$B/rootfs

mkdir -p "$L"
tar -xf "$ARCHIVE" -C "$L"
umoci unpack --image "$L:latest" "$B"
install -d -m 0755 -o 0 -g 0 "$R/usr/lib/modules" "$R/usr/lib/modules/$KVER"
install -m 0644 -o 0 -g 0 "$VMLINUZ" "$R/usr/lib/modules/$KVER/vmlinuz"
install -m 0644 -o 0 -g 0 "$INITRAMFS" "$R/usr/lib/modules/$KVER/initramfs.img"
find "$R" -depth -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +
umoci repack --refresh-bundle --image "$L:latest" --history.created "$CREATED" \
    --history.created_by "layer 4: kernel $KVER and its initramfs for bootc.kexec" "$B"

# As in build.sh: a clean layout, packed by GNU tar in skopeo's order with fixed metadata.
skopeo copy --quiet "oci:$L:latest" "oci:$WORK/final:latest"
(cd "$WORK/final" && find blobs | sort && echo index.json && echo oci-layout) > "$WORK/list"
mkdir -p "$OUT"
tar --format=ustar --mtime="@$SOURCE_DATE_EPOCH" --owner=0 --group=0 --numeric-owner \
    --mode=u=rwX,go=rX --no-recursion -cf "$OUT/root.oci" -C "$WORK/final" -T "$WORK/list"
echo "build-kexec.sh: wrote $OUT/root.oci ($(du -h "$OUT/root.oci" | cut -f1), kernel $KVER)"
