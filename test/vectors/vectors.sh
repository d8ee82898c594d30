# The vector list, sourced by make.sh (uses its helpers: image, by_skopeo, by_tar, vec, on_base, broken).
# Layer names refer to hostile.py; corruption kinds to layout.py.
# shellcheck shell=bash

L=$WORK/layouts
mkdir -p "$L"

# --- One layer, every entry kind, per tar dialect ---------------------------------------------------
for fmt in pax gnu ustar; do
    image "$L/types-$fmt" latest "types-$fmt"
    by_skopeo "$L/types-$fmt" latest "types-$fmt"
done
vec types-pax types-pax latest tree "one PAX layer: reg/dir/symlink/hardlink/chr/blk/fifo, setuid/setgid/sticky, \
uid 4000000000 gid 3000000, binary security.capability and user.* xattrs (NUL and >=0x80 bytes, hdrcharset=BINARY), \
names >100 and >255 bytes, 300-byte symlink target, non-UTF-8 names and link targets, nanosecond mtimes"
vec types-gnu types-gnu latest tree "one GNU-format layer: the same kinds with ././@LongLink (L/K) names and \
link targets, base-256 uid/gid"
vec types-ustar types-ustar latest tree "one ustar layer: 100-255 byte names split over prefix+name fields, \
typeflag '\\0' with a trailing '/' (a directory) and '\\0' regular files"

# GNU tar from a real directory: ./-prefixed names, SCHILY.xattr.* written by tar, nsec mtimes.
R=$WORK/gnutar-root
mkdir -p "$R/bin" "$R/dev" "$R/etc" "$R/srv/data"
printf 'cap\n' >"$R/bin/cap"
printf '#!/bin/sh\n' >"$R/bin/suid"
chmod 4755 "$R/bin/suid"
setfattr -n security.capability -v 0x0000000200040000000000000000000000000000 "$R/bin/cap"
setfattr -n user.note -v 0x00ff80 "$R/bin/cap"
ln "$R/bin/suid" "$R/bin/suid-hard"
ln -s ../bin/cap "$R/etc/cap-link"
mknod "$R/dev/null" c 1 3
mkfifo "$R/srv/fifo"
printf 'owned\n' >"$R/srv/data/owned"
chown -R 100000:100001 "$R/srv/data"
chmod 1777 "$R/srv"
find "$R" -depth -exec touch -h -d "@$SOURCE_DATE_EPOCH.987654321" {} +
tar --format=posix --xattrs --xattrs-include='*' --numeric-owner --sort=name \
    --pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime -cf "$WORK/gnutar.tar" -C "$R" .
image "$L/types-gnutar" latest "$WORK/gnutar.tar"
by_skopeo "$L/types-gnutar" latest types-gnutar
vec types-gnutar types-gnutar latest tree "one layer written by GNU tar 1.34 --format=posix --xattrs from a \
real directory: ./-prefixed names incl. './' itself, SCHILY.xattr.security.capability, setuid, hardlink, \
chr device, fifo, sticky dir, uid 100000, nsec mtimes"

# --- Two layers: 'base' then one change -------------------------------------------------------------
on_base wh-file ".wh.f deletes lower file f; a/.wh.file1 deletes lower a/file1 (a/file2 stays)"
on_base wh-dir ".wh.a deletes lower directory a and everything under it"
on_base opq-first "a/.wh..wh..opq as the first entry under a/: lower a/* hidden, same-layer a/new, a/sub/, \
a/sub/fresh survive (a/sub/deep gone)"
on_base opq-last "the same as opq-first with the opaque marker as the last entry of the layer"
on_base wh-then-recreate ".wh.f then f, .wh.a then a/ + a/fresh in the same layer: new f, a holds only fresh"
on_base recreate-then-wh "f, a/, a/fresh, then .wh.f and .wh.a in the same layer: whiteouts hit lower \
layers only, so f is the new f and a holds only fresh"
on_base wh-as-hardlink ".wh.f and a/.wh.file1 stored as hardlink entries: still whiteouts (basename decides)"
on_base file-to-dir "lower file f replaced by directory f/ with f/inside"
on_base dir-to-file "lower directory a (with children) replaced by regular file a"
on_base symlink-to-dir "lower symlink sd -> a replaced by a real directory sd/ with sd/x (a untouched)"
on_base dir-attrs "dd/ again with mode 0700, uid 1000, gid 1001, new mtime: attributes change, dd/child stays"
on_base hardlink-lower "etc/passwd-link is a hardlink to etc/passwd of the lower layer"
on_base hardlink-symlink "hardlinks to symlinks: hs -> lower symlink s, hs2 -> same-layer symlink s2"
on_base implicit-parents "x/y/z and a/new/deeper/file without entries for their parents (0755 root dirs)"
on_base wh-under-file "a becomes a regular file, then a/.wh.file1 under it: a no-op"
on_base dotslash "./-prefixed names: './' (root dir attributes), ./etc/new, ./.wh.f, ./a/./file2"

# A layer written by umoci itself: unpack, rm/replace, repack (its own whiteout encoding).
image "$L/umoci-repack" latest base
umoci unpack --image "$L/umoci-repack:latest" "$WORK/bundle"
rm "$WORK/bundle/rootfs/a/file1"
rm -r "$WORK/bundle/rootfs/b"
rm "$WORK/bundle/rootfs/f"
printf 'replaced by umoci repack\n' >"$WORK/bundle/rootfs/f"
find "$WORK/bundle/rootfs" -depth -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +
umoci repack --image "$L/umoci-repack:latest" --history.created "$CREATED" "$WORK/bundle"
umoci gc --layout "$L/umoci-repack"
rm -rf "$WORK/bundle"
by_skopeo "$L/umoci-repack" latest umoci-repack
vec umoci-repack umoci-repack latest tree "base + a layer from umoci repack after rm a/file1, rm -r b and \
replacing f"

# --- Compression and media types (all the 'simple' layer) ------------------------------------------
image "$L/compress-gzip" latest simple
by_skopeo "$L/compress-gzip" latest compress-gzip
vec compress-gzip compress-gzip latest tree "one gzip layer as umoci writes it (the reference for sameTreeAs)"
vec label-omitted-single compress-gzip "" tree "no label given and exactly one image: that image"
for mode in gzip-multi zstd zstd-skippable tar gzip-as-zstd docker; do
    image "$L/compress-$mode" latest simple
    python3 "$HERE/layout.py" recompress "$L/compress-$mode" latest "$mode"
    by_tar "$L/compress-$mode" "compress-$mode"
done
same='{"sameTreeAs":"compress-gzip"}'
vec compress-gzip-multi compress-gzip-multi latest tree "layer is a 3-member gzip stream" "$same"
vec compress-zstd compress-zstd latest tree "+zstd layer (umoci 0.4.7 cannot read zstd)" "$same"
vec compress-zstd-skippable compress-zstd-skippable latest tree "+zstd layer starting with a skippable \
frame (as zstd:chunked)" "$same"
vec compress-tar compress-tar latest tree "uncompressed .tar layer (digest == diff_id)" "$same"
vec compress-mediatype-lies compress-gzip-as-zstd latest tree "gzip bytes under a +zstd media type: \
sniff the magic" "$same"
vec docker-media-types compress-docker latest tree "docker v2 schema2 manifest, docker config and \
rootfs.diff.tar.gzip layer media types (skopeo 1.9 finds no descriptor for it in an oci-archive)" "$same"
image "$L/estargz" latest estargz
python3 "$HERE/layout.py" recompress "$L/estargz" latest gzip-multi
by_tar "$L/estargz" estargz
vec estargz estargz latest tree "multi-member gzip layer with stargz.index.json and .prefetch.landmark at \
the root: they must not land in the tree (umoci keeps them)" "$same"

# --- The archive container itself -----------------------------------------------------------------
cp -r "$L/compress-gzip" "$L/archive-dotslash"
by_tar "$L/archive-dotslash" archive-dotslash dot
vec archive-dotslash archive-dotslash latest tree "oci-archive made by 'tar -C layout .': ./ names, \
index.json before the blobs" "$same"
gzip -9n <"$OUT/compress-gzip.oci" >"$OUT/archive-gzip.oci"
vec archive-gzip archive-gzip latest tree "the compress-gzip archive, gzip-compressed as a whole \
(skopeo reads it)" "$same"

# --- Labels -----------------------------------------------------------------------------------------
image "$L/labels" latest simple
image "$L/labels" other simple label-other
by_tar "$L/labels" labels
vec labels-latest labels latest tree "two images (latest, other): pick latest"
vec labels-other labels other tree "two images (latest, other): pick other"
vec labels-unknown labels nosuch "NOT_FOUND:nosuch" "label not in the archive: error names it"
vec labels-omitted-several labels "" tree "no label given, two images (latest and other): the one labelled latest"
image "$L/labels-nonlatest" alpha simple
image "$L/labels-nonlatest" beta simple label-other
by_tar "$L/labels-nonlatest" labels-nonlatest
vec labels-nonlatest-default labels-nonlatest latest "NOT_FOUND:alpha" "labels alpha and beta only, \
latest asked: the error lists the labels there are"
vec labels-nonlatest-beta labels-nonlatest beta tree "labels alpha and beta: pick beta"

# --- Image indexes ----------------------------------------------------------------------------------
for arch in amd64 arm64; do
    image "$L/index-ref-$arch" latest "arch-$arch"
    by_skopeo "$L/index-ref-$arch" latest "index-ref-$arch"
    vec "index-ref-$arch" "index-ref-$arch" latest tree "reference tree for the $arch entry of the indexes"
    image "$L/index" "$arch" "arch-$arch"
done
python3 "$HERE/layout.py" index "$L/index" latest amd64=linux/amd64 arm64=linux/arm64
by_tar "$L/index" index-platforms
vec index-amd64 index-platforms latest tree "latest -> image index (linux/amd64, linux/arm64): pick \
amd64" '{"platform":"linux/amd64","sameTreeAs":"index-ref-amd64"}'
vec index-arm64 index-platforms latest tree "the same index, linux/arm64 asked" \
    '{"platform":"linux/arm64","sameTreeAs":"index-ref-arm64"}'
vec index-no-platform index-platforms latest "NOT_FOUND:s390x" "the same index, linux/s390x asked" \
    '{"platform":"linux/s390x"}'
python3 "$HERE/layout.py" nest "$L/index" latest
by_tar "$L/index" index-nested
vec index-nested index-nested latest tree "latest -> index -> index (amd64, arm64): pick amd64" \
    '{"platform":"linux/amd64","sameTreeAs":"index-ref-amd64"}'

# --- Hostile paths: contained as umoci contains them ------------------------------------------------
on_base escape-dotdot "../../etc/x and a/../../../y: clamped to /etc/x and /y"
on_base escape-absolute "/abs/x and /etc/passwd: re-rooted to abs/x and etc/passwd"
on_base symlink-parent-abs "link -> /etc, then link/passwd: written to the image's /etc/passwd"
on_base symlink-parent-dotdot "up -> ../../.., then up/etc/passwd: written to the image's /etc/passwd"
on_base symlink-chain "c1 -> c2 -> ../c3 -> /../etc, then c1/chained: lands in the image's /etc"
on_base symlink-loop "l1 -> l2 -> l1, then l1/file: too many levels of symlinks" "UNSAFE_PATH:l1"
on_base hardlink-escape "hl -> ../../etc/passwd and hl2 -> /etc/passwd: both link the image's etc/passwd"

# --- Hostile: refused -------------------------------------------------------------------------------
on_base root-file-dot "an entry '.' that is a regular file would replace the root" "UNSAFE_PATH:root"
on_base root-symlink-dotslash "an entry './' that is a symlink to /tmp would replace the root" \
    "UNSAFE_PATH:root"
on_base root-file-slash "an entry '/' that is a regular file would replace the root" "UNSAFE_PATH:root"
on_base wh-bare "a/.wh. names no file" "FORMAT:whiteout"
on_base wh-dotdot "a/.wh... would delete a's parent" "UNSAFE_PATH:whiteout"
on_base wh-dot "a/.wh.. would delete a itself from inside" "UNSAFE_PATH:whiteout"

# --- Integrity and format errors --------------------------------------------------------------------
broken gzip-truncated simple gzip-truncated DECOMPRESS "layer blob is the first 2/3 of a gzip stream \
(descriptor digest/size match the truncated bytes)"
broken gzip-crc simple gzip-crc DECOMPRESS "gzip member trailer CRC32 flipped (descriptor matches)"
broken layer-digest simple layer-digest DIGEST_MISMATCH "uncompressed layer blob with one content byte \
flipped, stored under the old digest, same size"
broken manifest-digest simple manifest-digest DIGEST_MISMATCH "manifest blob edited (one hex digit) \
under the old digest, same size"
broken layer-size simple layer-size SIZE_MISMATCH "layer descriptor size one more than the blob"
broken missing-blob simple missing-blob MISSING_BLOB "layer blob absent from the archive"
broken diff-id simple diff-id DIGEST_MISMATCH "config diff_ids[0] is the sha256 of something else"
broken diff-id-count simple diff-id-count INVALID_JSON "config has 2 diff_ids for 1 layer"
broken json-index simple json-index INVALID_JSON "index.json cut short"
broken json-manifest simple json-manifest INVALID_JSON "manifest blob is truncated JSON"
broken json-config simple json-config INVALID_JSON "config blob is truncated JSON"
broken encrypted simple encrypted UNSUPPORTED_MEDIA_TYPE "layer media type tar+gzip+encrypted"
broken unknown-media-type simple unknown-media-type UNSUPPORTED_MEDIA_TYPE "layer media type \
application/x-unknown-layer"
broken schema1 simple schema1 UNSUPPORTED "descriptor and manifest are docker schema1 (prettyjws)"
broken manifest-media-type simple manifest-media-type INVALID_JSON "manifest's own mediaType says image index, \
its descriptor says image manifest (CVE-2021-41190)"
