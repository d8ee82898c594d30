#!/bin/bash
# bootc-live: boot an OCI archive found in the initramfs (/root.oci, embedded or appended as a second
# initrd) as a live root. The work is done by bootc-live-unpack, run by the system's node from one
# bundled file; the hooks only parse, queue the job and mount.

# called by dracut
check() {
    require_binaries node mount umount || return 1
    # The bundle folder is shaped like the package root (package.json, the .mjs, build/Release/*.node):
    # see scripts/boot/bundle.sh. BOOTC_LIVE_BUNDLE_DIR points at a staged copy when building from git.
    if [[ ! -f ${BOOTC_LIVE_BUNDLE_DIR:-/usr/lib/bootc-live}/bootc-live-unpack.mjs ]]; then
        derror "bootc-live: no bundle in ${BOOTC_LIVE_BUNDLE_DIR:-/usr/lib/bootc-live} (run scripts/boot/bundle.sh)"
        return 1
    fi
    return 255
}

# called by dracut
depends() {
    return 0
}

# called by dracut
installkernel() {
    # bootc.zram: zram, ext4 and the compressors of bootc.zram.alg (lz4, lz4hc, zstd; lzo-rle is built in).
    hostonly='' instmods erofs overlay loop zram ext4 lz4 lz4hc zstd
}

# called by dracut
install() {
    local _src=${BOOTC_LIVE_BUNDLE_DIR:-/usr/lib/bootc-live}
    local _dst=/usr/lib/bootc-live
    local _addon

    inst_multiple node mount umount mkdir rm cp chmod modprobe sort tail wc
    # Optional: bootc.zram (ext4 on zram) and bootc.kexec say so at boot when they are missing.
    inst_multiple -o mkfs.ext4 /etc/mke2fs.conf kexec
    inst_simple "$_src/package.json" "$_dst/package.json"
    inst_simple "$_src/bootc-live-unpack.mjs" "$_dst/bootc-live-unpack.mjs"
    # Native addons are shared objects: inst_library also brings the libraries they link.
    for _addon in "$_src"/build/Release/*.node; do
        inst_library "$_addon" "$_dst/build/Release/${_addon##*/}"
    done
    inst_script "$moddir/bootc-live-unpack.sh" /usr/bin/bootc-live-unpack
    inst_simple "$moddir/bootc-live-lib.sh" /lib/bootc-live-lib.sh
    inst_simple "$moddir/bootc-live-job.sh" /lib/bootc-live-job.sh
    inst_simple "$moddir/bootc-live-kexec.sh" /lib/bootc-live-kexec.sh
    inst_hook cmdline 30 "$moddir/parse-bootc-live.sh"
    inst_hook mount 30 "$moddir/mount-bootc-live.sh"
    if dracut_module_included systemd; then
        inst_script "$moddir/bootc-live-generator.sh" "$systemdutildir/system-generators/dracut-bootc-live-generator"
    fi
    dracut_need_initqueue
}
