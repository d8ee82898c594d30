#!/bin/sh
# bootc.kexec: sourced by bootc_live_setup once the root is assembled. Boots the image's own kernel and
# initramfs with the same kernel arguments plus bootc.kexec=0; with bootc.kexec.reuse-image (default)
# the archive or the EROFS image goes along in a cpio appended to that initramfs, so the next stage
# neither downloads nor (for the EROFS image) unpacks again. Any failure stops the boot.

# bootc_live_kexec: uses _bl_src/_bl_file (the archive) and _bl_img (the EROFS image) of the job.
bootc_live_kexec() {
    command -v kexec > /dev/null || die "bootc-live: bootc.kexec: this initramfs has no kexec (kexec-tools)"
    _bl_k=$(printf '%s\n' "$BOOTC_LIVE_ROOT"/usr/lib/modules/*/vmlinuz | sort -V | tail -n 1)
    [ -f "$_bl_k" ] || die "bootc-live: bootc.kexec: the image has no kernel /usr/lib/modules/*/vmlinuz"
    _bl_i=${_bl_k%/vmlinuz}/initramfs.img
    [ -f "$_bl_i" ] || die "bootc-live: bootc.kexec: the image has no ${_bl_i#"$BOOTC_LIVE_ROOT"}"
    # Kernel and next initrd go outside the work area, which is released before kexec copies them.
    _bl_kx=/run/bootc-live-kexec
    mkdir -p "$_bl_kx"
    cp "$_bl_k" "$_bl_kx/vmlinuz" || die "bootc-live: bootc.kexec: cannot copy ${_bl_k#"$BOOTC_LIVE_ROOT"} to $_bl_kx"
    if [ "$BOOTC_LIVE_KEXEC_REUSE" = 1 ]; then
        bootc_live_kexec_pick
        # The image's initramfs stays first and unchanged (early microcode must lead).
        bootc_live_run bootc-live-unpack initrd-append "$_bl_i" "$_bl_kx/initrd.img" "$_bl_hand"
    else
        cp "$_bl_i" "$_bl_kx/initrd.img" || die "bootc-live: bootc.kexec: cannot copy ${_bl_i#"$BOOTC_LIVE_ROOT"} to $_bl_kx"
    fi
    [ "$_bl_file" = 1 ] && rm -f -- "$_bl_src"
    # The root, its image or tree and the zram device are not needed any more: free their RAM.
    umount -R "$BOOTC_LIVE_ROOT" && umount -R "$BOOTC_LIVE_WORK" \
        || die "bootc-live: bootc.kexec: cannot release $BOOTC_LIVE_WORK before kexec"
    [ -n "$BOOTC_LIVE_ZRAM_BYTES" ] && [ -e /sys/block/zram0/reset ] && echo 1 > /sys/block/zram0/reset
    read -r _bl_cmdline < /proc/cmdline
    set -- "$_bl_kx/vmlinuz" --initrd="$_bl_kx/initrd.img" --command-line="$_bl_cmdline bootc.kexec=0"
    if ! kexec -s -l "$@" 2> /run/bootc-live.err; then
        warn "bootc-live: kexec_file_load failed ($(bootc_live_last_line /run/bootc-live.err)): trying kexec_load"
        kexec -l "$@" 2> /run/bootc-live.err \
            || die "bootc-live: cannot load ${_bl_k#"$BOOTC_LIVE_ROOT"} for kexec: $(bootc_live_last_line /run/bootc-live.err)"
    fi
    # The kernel holds its own copy now.
    rm -rf -- "$_bl_kx"
    bootc_live_cgroup_leave # the first stage's memory line: the job never returns from kexec
    info "bootc-live: kexec into ${_bl_k#"$BOOTC_LIVE_ROOT"}"
    kexec -e
    die "bootc-live: kexec -e failed"
}

# bootc_live_kexec_pick: _bl_hand=NAME=FILE, what the next stage gets: the archive A, or in EROFS mode
# the EROFS image E when E <= 2A. With the work area freed before the load, the peaks are: handing
# over E, 2E (the next initrd beside E, then its unpacked copy at the next boot); handing over A,
# 2A + E (the next initrd beside A and E). E wins up to 2A, and the next stage skips the unpacking.
bootc_live_kexec_pick() {
    _bl_hand=bootc-live/root.oci=$_bl_src
    _bl_a=$(wc -c < "$_bl_src")
    _bl_e=
    if [ "$BOOTC_LIVE_EROFS" = 1 ]; then
        _bl_e=$(wc -c < "$_bl_img")
        if [ "$_bl_e" -le $((2 * _bl_a)) ]; then
            _bl_hand=bootc-live/root.erofs=$_bl_img
            # Not needed any more: free it before the copy.
            rm -f -- "$_bl_src"
        fi
    fi
    info "bootc-live: kexec hands over ${_bl_hand%%=*} (archive $_bl_a bytes${_bl_e:+, EROFS image $_bl_e bytes})"
}
