#!/bin/bash
# Regenerates test/vectors/out/*.oci and test/vectors/vectors.json from outside tools only:
# umoci (image building), skopeo (oci-archive writing), GNU tar, python3 (hostile.py: hand-made layer
# tars; layout.py: layout edits skopeo/umoci refuse to make). Needs root (umoci unpack of devices).
# Usage: test/vectors/make.sh            (SOURCE_DATE_EPOCH fixes every time; default 1700000000)
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-1700000000}
export LC_ALL=C TZ=UTC
CREATED=$(date -u -d "@$SOURCE_DATE_EPOCH" +%Y-%m-%dT%H:%M:%SZ)
OUT=$HERE/out
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$WORK/layers"
rm -rf "$OUT"
mkdir -p "$OUT"
SPECS=$WORK/specs.jsonl
: >"$SPECS"

# layer NAME: path of hand-made layer tar NAME (built once).
layer() {
    local _tar=$WORK/layers/$1.tar
    [ -f "$_tar" ] || python3 "$HERE/hostile.py" "$1" "$_tar"
    printf '%s' "$_tar"
}

# image LAYOUT TAG LAYER...: a fresh amd64 image TAG made of the given layer tars (umoci gzips them).
image() {
    local _l=$1 _tag=$2 _t
    shift 2
    [ -d "$_l" ] || umoci init --layout "$_l"
    umoci new --image "$_l:$_tag"
    umoci config --image "$_l:$_tag" --created "$CREATED" --architecture amd64 --os linux --no-history
    for _t in "$@"; do
        case $_t in
            /*) ;;
            *) _t=$(layer "$_t") ;;
        esac
        umoci raw add-layer --image "$_l:$_tag" --history.created "$CREATED" \
            --history.created_by "$(basename "$_t")" "$_t"
    done
    umoci gc --layout "$_l"
}

# by_skopeo LAYOUT TAG NAME: skopeo writes out/NAME.oci; its header mtimes are then fixed in place.
by_skopeo() {
    skopeo copy --quiet "oci:$1:$2" "oci-archive:$OUT/$3.oci:$2"
    python3 "$HERE/layout.py" fix-mtime "$OUT/$3.oci"
}

# by_tar LAYOUT NAME [dot]: GNU tar in skopeo's order (blobs, index.json, oci-layout); "dot" gives
# `tar -C DIR .` names (./index.json first).
by_tar() {
    local _opts=(--format=ustar --mtime="@$SOURCE_DATE_EPOCH" --owner=0 --group=0 --numeric-owner
        --mode=u=rwX,go=rX --no-recursion)
    if [ "${3:-}" = dot ]; then
        (cd "$1" && find . | sort) >"$WORK/list"
    else
        (cd "$1" && find blobs | sort && echo index.json && echo oci-layout) >"$WORK/list"
    fi
    tar "${_opts[@]}" -cf "$OUT/$2.oci" -C "$1" -T "$WORK/list"
}

# vec NAME FILE LABEL EXPECT DESCRIPTION [EXTRA_JSON]: one vectors.json entry. EXPECT is "tree" or
# CODE:MESSAGE. LABEL "" means none given. EXTRA_JSON is merged in (platform, sameTreeAs...).
vec() {
    python3 - "$@" >>"$SPECS" <<'EOF'
import json, sys
name, file, label, expect, desc = sys.argv[1:6]
v = {'name': name, 'file': 'out/%s.oci' % file}
if label:
    v['label'] = label
v['description'] = desc
if expect != 'tree':
    code, msg = expect.split(':', 1)
    expect = {'error': code, 'message': msg}
v['expect'] = expect
if len(sys.argv) > 6:
    v.update(json.loads(sys.argv[6]))
print(json.dumps(v))
EOF
}

# on_base NAME DESCRIPTION [EXPECT]: two layers, 'base' then hand-made layer NAME.
on_base() {
    image "$WORK/$1" latest base "$1"
    by_skopeo "$WORK/$1" latest "$1"
    vec "$1" "$1" latest "${3:-tree}" "$2"
}

# broken NAME FROM_LAYERS KIND CODE DESCRIPTION: image of FROM_LAYERS, then layout.py corrupt KIND.
broken() {
    local _l=$WORK/$1 _msg _layers
    read -ra _layers <<<"$2"
    image "$_l" latest "${_layers[@]}"
    case $3 in
        layer-digest) python3 "$HERE/layout.py" recompress "$_l" latest tar ;;
    esac
    _msg=$(python3 "$HERE/layout.py" corrupt "$_l" latest "$3")
    by_tar "$_l" "$1"
    vec "$1" "$1" latest "$4:$_msg" "$5"
}

source "$HERE/vectors.sh"

# Record what umoci 0.4.7 does with each vector (extract the archive to a layout, umoci unpack).
umoci_result() {
    local _file=$HERE/$1 _label=${2:-latest} _d=$WORK/check
    rm -rf "$_d"
    mkdir -p "$_d/layout"
    case $(head -c2 "$_file" | od -An -tx1 | tr -d ' ') in
        1f8b) gzip -dc "$_file" | tar -xf - -C "$_d/layout" ;;
        *) tar -xf "$_file" -C "$_d/layout" ;;
    esac
    if umoci unpack --image "$_d/layout:$_label" "$_d/bundle" >"$_d/log" 2>&1; then
        echo ok
    else
        echo "error: $(grep -v '^$' "$_d/log" | tail -n1 | sed -e "s|$_d|DIR|g" -e 's/^[[:space:]]*⨯ //')"
    fi
}

python3 - "$SPECS" "$HERE/vectors.json" <<'EOF' >"$WORK/pairs"
import json, sys
for line in open(sys.argv[1]):
    v = json.loads(line)
    print(v['file'], v.get('label', ''))
EOF
while read -r file label; do umoci_result "$file" "$label"; done <"$WORK/pairs" >"$WORK/umoci"
python3 - "$SPECS" "$WORK/umoci" "$HERE/vectors.json" <<'EOF'
import json, sys
vs = [json.loads(l) for l in open(sys.argv[1])]
for v, r in zip(vs, open(sys.argv[2]).read().splitlines()):
    v['umoci'] = r
with open(sys.argv[3], 'w') as f:
    json.dump(vs, f, indent=2, ensure_ascii=False)
    f.write('\n')
EOF
du -sh "$OUT"
echo "make.sh: $(wc -l <"$SPECS") vectors in $(find "$OUT" -name '*.oci' | wc -l) archives"
