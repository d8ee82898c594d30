#!/usr/bin/env bash
# `just bench`: bootc-live-unpack against the tools it replaces, on the bench corpus (bench/corpus.sh),
# same machine, same run. Every case runs BENCH_RUNS times (default 3), the tools of a case taking
# turns so that load from other work spreads over all of them. Outputs go to a tmpfs mounted for
# the run; inputs are read from the page cache. Writes bench/results/{raw.jsonl,results.json,
# chart.svg} and bench/README.md. Slower numbers never fail it; a failing tool does (a failing boot
# is only reported: bench/boot.sh). Needs root.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${BENCH_RUNS:-3}
results=bench/results
raw=$results/raw.jsonl
cache=bench/cache
cli="node $PWD/dist/bin/bootc-live-unpack.js"
zero_uuid=00000000-0000-0000-0000-000000000000
export REGISTRY_AUTH_FILE=/nonexistent # no credentials from this machine
[ -e dist/bin/bootc-live-unpack.js ] || { echo "bench: build first (npx tsc -p tsconfig.build.json)" >&2; exit 1; }

bash bench/corpus.sh
corpus=$PWD/$cache/corpus.oci
mkdir -p "$results"
: >"$raw"

work=$(mktemp -d /tmp/bootc-live-bench.XXXXXX)
in=$work/in   # prepared inputs (not measured)
out=$work/out # what the measured command writes: the sampler watches this tmpfs
mkdir "$in" "$out" "$work/registry"
mount -t tmpfs -o size=6g bench-in "$in"
mount -t tmpfs -o size=6g bench-out "$out"
registry_pid=
cleanup() {
    if [ -n "$registry_pid" ]; then stop_registry; fi
    umount "$in" "$out"
    rm -rf "$work"
}
trap cleanup EXIT

stop_registry() {
    kill "$registry_pid" 2>/dev/null || true
    wait "$registry_pid" 2>/dev/null || true
    registry_pid=
}

# fact NAME JSON: one extra number or object for the report.
fact() { printf '{"fact":"%s","value":%s}\n' "$1" "$2" >>"$raw"; }

# compare CASE TOOL CMD [TOOL CMD]...: each CMD (a bash command line) runs $runs times, in turns,
# each time on an empty $out.
compare() {
    local case=$1 i j
    shift
    local -a pairs=("$@")
    for ((i = 0; i < runs; i++)); do
        for ((j = 0; j < ${#pairs[@]}; j += 2)); do
            rm -rf "${out:?}"/*
            node bench/measure.mjs --case "$case" --tool "${pairs[j]}" --watch "$out" --raw "$raw" -- bash -c "${pairs[j + 1]}"
        done
    done
    rm -rf "${out:?}"/*
}

echo "bench: preparing inputs in $in" >&2
cat "$cache"/*.oci >/dev/null # warm the page cache
mkdir "$in/layout" "$in/layout-zstd" "$in/tars"
tar -xf "$corpus" -C "$in/layout"
tar -xf "$cache/corpus-zstd.oci" -C "$in/layout-zstd"
umoci raw unpack --image "$in/layout:latest" "$in/rootfs" 2>/dev/null
mapfile -t gz_blobs < <(node bench/throughput.mjs blobs "$in/layout")
mapfile -t zstd_blobs < <(node bench/throughput.mjs blobs "$in/layout-zstd")
for ((i = 0; i < ${#gz_blobs[@]}; i++)); do zcat "${gz_blobs[i]}" >"$in/tars/$i.tar"; done
fact archiveBytes "$(stat -c %s "$corpus")"
fact treeBytes "$(du -sb "$in/rootfs" | cut -f1)"
fact treeEntries "$(find "$in/rootfs" | wc -l)"
fact layoutBytes "$(du -sb "$in/layout" | cut -f1)"

# original = the pipeline bootc-live-unpack replaces: extract the archive to a layout, umoci unpack.
original_unpack() { echo "mkdir $out/layout && tar -xf $1 -C $out/layout && umoci unpack --image $out/layout:latest $out/bundle"; }

echo "bench: unpack" >&2
compare unpack \
    ours "$cli unpack $corpus $out/rootfs" \
    umoci-raw-unpack "umoci raw unpack --image $in/layout:latest $out/rootfs" \
    tar+umoci-unpack "$(original_unpack "$corpus") && rm -rf $out/layout"
compare unpack-zstd ours "$cli unpack $cache/corpus-zstd.oci $out/rootfs" # umoci 0.4.7 rejects zstd layers
compare unpack-squashed \
    ours "$cli unpack $cache/corpus-squashed.oci $out/rootfs" \
    tar+umoci-unpack "$(original_unpack "$cache/corpus-squashed.oci") && rm -rf $out/layout"

echo "bench: erofs" >&2
compare erofs \
    ours "$cli erofs $corpus $out/img" \
    tar+umoci+mkfs.erofs "$(original_unpack "$corpus") && mkfs.erofs -T0 -U $zero_uuid $out/img $out/bundle/rootfs >/dev/null && rm -rf $out/layout $out/bundle"
compare mkfs \
    ours "$cli mkfs $in/rootfs $out/img" \
    mkfs.erofs "mkfs.erofs -T0 -U $zero_uuid $out/img $in/rootfs >/dev/null"
compare digest ours "$cli digest $corpus"

echo "bench: registry" >&2
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
host=127.0.0.1:$port
cat >"$work/registry/config.yml" <<EOF
version: 0.1
log: {level: error, accesslog: {disabled: true}}
storage: {filesystem: {rootdirectory: "$work/registry/storage"}}
http: {addr: "$host"}
EOF
# REGISTRY_* variables configure the registry itself: hide ours from it.
env -u REGISTRY_AUTH_FILE docker-registry serve "$work/registry/config.yml" 2>"$work/registry/log" &
registry_pid=$!
for _ in $(seq 100); do curl -fs "http://$host/v2/" >/dev/null && break; sleep 0.1; done
curl -fs "http://$host/v2/" >/dev/null || { cat "$work/registry/log" >&2; exit 1; }
skopeo copy -q --dest-tls-verify=false "oci:$cache/layout:gzip" "docker://$host/corpus:latest"
ref=docker://$host/corpus:latest
# registry: pull and unpack; registry-pull: copy the blobs into an archive (ours verifies digests as they stream).
compare registry \
    ours "$cli unpack $ref $out/rootfs --insecure" \
    skopeo-copy+ours "skopeo copy -q --src-tls-verify=false $ref oci-archive:$out/x.oci && $cli unpack $out/x.oci $out/rootfs && rm $out/x.oci"
compare registry-pull \
    ours "$cli pull $ref $out/x.oci --insecure" \
    skopeo-copy "skopeo copy -q --src-tls-verify=false $ref oci-archive:$out/x.oci"
stop_registry

echo "bench: throughput" >&2
compare gzip ours "node bench/throughput.mjs decompress $in/layout" zcat "zcat ${gz_blobs[*]} >/dev/null"
compare zstd ours "node bench/throughput.mjs decompress $in/layout-zstd" zstd "zstd -dcq ${zstd_blobs[*]} >/dev/null"
compare tar ours "node bench/throughput.mjs tar $in/tars/*.tar" gnu-tar "for f in $in/tars/*.tar; do cat \$f | tar -tf - >/dev/null; done"
npx esbuild --log-level=warning --bundle --platform=node --format=esm bench/tar-throughput.ts --outfile="$in/tar-bench.mjs"
fact tarSynthetic "$(node "$in/tar-bench.mjs" 512 3)"
compare memory memcpy "node bench/throughput.mjs memcpy" dd "dd if=/dev/zero of=/dev/null bs=1M count=20000 2>/dev/null"
fact tarBytes "$(cat "$in"/tars/*.tar | wc -c)"

echo "bench: sizes" >&2
bundle=$in/bootc-live-unpack.mjs
npx esbuild --log-level=warning dist/bin/bootc-live-unpack.js --bundle --platform=node --format=esm '--external:*.node' --outfile="$bundle"
fact sizes "$(node bench/sizes.mjs \
    "$(readlink -f "$(command -v node)"),$bundle,build/Release/bootc_live_native.node,node_modules/zstd-napi/build/Release/binding.node" \
    /usr/bin/umoci,/usr/bin/skopeo,/usr/bin/tar,/usr/bin/mkfs.erofs)"
fact machine "$(jq -nc --arg model "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')" \
    --arg kernel "$(uname -r)" --arg node "$(node --version)" --argjson nproc "$(nproc)" \
    --argjson memBytes "$(($(awk '/MemTotal/ {print $2}' /proc/meminfo) * 1024))" --arg date "$(date -u +%FT%TZ)" \
    '{model: $model, nproc: $nproc, memBytes: $memBytes, kernel: $kernel, node: $node, date: $date}')"

echo "bench: boot (QEMU TCG) and initramfs sizes" >&2
bash bench/boot.sh "$raw" "$work/boot" "$cli" || echo "bench: bench/boot.sh failed: boot results are incomplete" >&2

node bench/report.mjs "$raw"
