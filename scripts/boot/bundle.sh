#!/bin/bash
# bundle.sh OUT_DIR: the program as dracut installs it. OUT_DIR is shaped like the package root so that
# lib/native.ts (package.json + build/Release/bootc_live_native.node) and zstd-napi's binding.js
# (require of ./build/Release/binding.node beside the bundle) find their addons unchanged:
#   OUT_DIR/package.json  OUT_DIR/bootc-live-unpack.mjs  OUT_DIR/build/Release/{bootc_live_native,binding}.node
# Needs a built dist/ (just build) unless BOOTC_LIVE_ENTRY names the TypeScript entry.
set -euo pipefail
cd "$(dirname "$0")/../.."
out=${1:?usage: bundle.sh OUT_DIR}
# BOOTC_LIVE_ENTRY: bundle another entry, e.g. bin/bootc-live-unpack.ts (esbuild reads the TypeScript).
entry=${BOOTC_LIVE_ENTRY:-dist/bin/bootc-live-unpack.js}
[[ -f $entry ]] || {
    echo "bundle.sh: $entry missing: run 'just build' first" >&2
    exit 1
}
mkdir -p "$out/build/Release"
# The addons stay external; ESM output has no require, so the banner makes one relative to the bundle.
npx esbuild "$entry" --bundle --platform=node --format=esm --log-level=warning \
    --external:'*.node' \
    --banner:js="import { createRequire as bootcLiveCreateRequire } from 'node:module'; const require = bootcLiveCreateRequire(import.meta.url);" \
    --outfile="$out/bootc-live-unpack.mjs"
node -e '
const p = require("./package.json")
process.stdout.write(JSON.stringify({ name: p.name, version: p.version, type: "module", private: true }, null, 2) + "\n")
' > "$out/package.json"
cp build/Release/bootc_live_native.node node_modules/zstd-napi/build/Release/binding.node "$out/build/Release/"
# Smoke test: the bundle starts and finds both addons from its own folder.
node "$out/bootc-live-unpack.mjs" --version > /dev/null
