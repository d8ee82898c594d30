# Recipes for bootc-live. `npx just --list` shows them. The npm scripts (npm test, npm run demo)
# are the entry points on a fresh machine: they install what is needed first.

set shell := ["bash", "-euo", "pipefail", "-c"]

# compile TypeScript to dist/
build:
    npm run --silent build

# the whole test suite (as CI runs it)
test *ARGS:
    bash scripts/test.sh {{ARGS}}

# --- Live boot (scripts/boot/, dracut-glue/, test/boot/). Outputs go to out/ (gitignored). ---
# KVER picks the kernel (default: the newest /boot/vmlinuz-*); dracut is told it with --kver.

# the sample live image: out/root.oci (busybox, labels latest [+ alt with ALT=1])
build-rootfs-oci:
    bash sample/build.sh {{ if env_var_or_default("ALT", "") == "1" { "--alt" } else { "" } }} out

# the core initramfs (archive at /root.oci: embedded with ROOT_OCI=path, or appended): out/initrd.img
build-initrd: build
    bash scripts/boot/build-initrd.sh out/initrd.img shell bootc-live

# core + http(s)/tftp/ftp/nfs sources: out/initrd-net.img
build-initrd-net: build
    bash scripts/boot/build-initrd.sh out/initrd-net.img shell bootc-live-net

# core + net + docker:// sources: out/initrd-registry.img
build-initrd-registry: build
    bash scripts/boot/build-initrd.sh out/initrd-registry.img shell bootc-live-registry

# every bootc-live module (FLAVOUR=systemd for a systemd initramfs): out/initrd-all-mods.img
build-initrd-all-mods: build
    bash scripts/boot/build-initrd.sh out/initrd-all-mods.img {{ env_var_or_default("FLAVOUR", "shell") }} bootc-live bootc-live-net bootc-live-registry

# out/root.oci as a second initrd (gzip'd newc cpio holding only root.oci): out/rootfs.img
build-rootfs-img:
    bash scripts/boot/rootfs-img.sh out/root.oci out/rootfs.img

# out/initrd.img followed by out/rootfs.img (what a PXE loader does with two initrds): out/initrd-full.img
build-full-img: build-initrd build-rootfs-img
    cat out/initrd.img out/rootfs.img > out/initrd-full.img

# bootc.kexec sample: out/kexec/root.oci = out/root.oci + a downloaded Debian cloud kernel and our initramfs for it
build-kexec-oci: build build-rootfs-oci
    kver=$(bash scripts/boot/other-kernel.sh out/other-kernel) && \
        KVER=$kver KMODDIR=$PWD/out/other-kernel/root/lib/modules/$kver \
        bash scripts/boot/build-initrd.sh out/kexec-initramfs.img shell bootc-live bootc-live-net && \
        bash sample/build-kexec.sh out/root.oci "$kver" "out/other-kernel/root/boot/vmlinuz-$kver" out/kexec-initramfs.img out/kexec

# the installed Debian kernel: out/kernel.img
copy-kernel:
    mkdir -p out && cp "$(ls /boot/vmlinuz-* | sort -V | tail -n 1)" out/kernel.img

# boot out/kernel.img with an initrd under QEMU TCG (serial console; Ctrl-a x quits)
run-vm initrd="out/initrd-full.img" cmdline="root=bootc-live:/root.oci":
    bash scripts/boot/run-vm.sh {{initrd}} {{cmdline}}

# the VM boot tests (QEMU, about 15-20 minutes; builds what they need into out/)
test-boot:
    npx tap --disable-coverage --timeout 2400 test/boot/boot.test.ts

# benchmarks against umoci, skopeo, tar and mkfs.erofs on the Debian corpus (root; build first;
# BENCH_RUNS=5 for more runs): bench/results/ and bench/README.md
bench:
    bash bench/run.sh

# (root, build first) replaces the boot part's lines of the last run's raw.jsonl, regenerates the report:
# the boot part of the benchmarks alone (bench/boot.sh: QEMU boots, job memory per boot mode, initramfs sizes)
bench-boot:
    #!/usr/bin/env bash
    set -euo pipefail
    raw=bench/results/raw.jsonl
    [[ -s $raw ]] || { echo "bench-boot: no $raw: run 'just bench' first" >&2; exit 1; }
    work=$(mktemp -d /tmp/bootc-live-bench-boot.XXXXXX)
    trap 'rm -rf "$work"' EXIT
    jq -c 'select((.boot or .initrd or .jobMemory or (.fact // "" | test("^(sample|boot)"))) | not)' "$raw" > "$work/raw.jsonl"
    bash bench/boot.sh "$work/raw.jsonl" "$work/boot" "node $PWD/dist/bin/bootc-live-unpack.js"
    cp "$work/raw.jsonl" "$raw"
    node bench/report.mjs "$raw"

# the EROFS property test at length: RUNS random trees (default 500) through fsck, the kernel mount and our reader
test-property RUNS="500":
    seed=$RANDOM; echo "EROFS_PROPERTY_SEED=$seed"; EROFS_PROPERTY_RUNS={{RUNS}} EROFS_PROPERTY_SEED=$seed npx tap --disable-coverage --timeout 3600 test/erofs/property.test.ts
