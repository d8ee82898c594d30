#!/bin/sh
# Shared by the bootc-live hooks. The program parses and unpacks; this file only runs it, stops the
# boot when it fails, and mounts what it wrote. Every failure ends in one die line naming the cause.
command -v getarg > /dev/null || . /lib/dracut-lib.sh

BOOTC_LIVE_CONF=/run/bootc-live.conf
# The final root (sysroot.mount binds it), and the work area that holds the tree or the EROFS image.
BOOTC_LIVE_ROOT=/run/bootc-live
BOOTC_LIVE_WORK=/run/bootc-live-work

# bootc_live_last_line FILE: the file's last line (the program's error line).
bootc_live_last_line() {
    _bl_last=
    while IFS= read -r _bl_l || [ -n "$_bl_l" ]; do
        _bl_last=$_bl_l
    done < "$1"
    printf '%s\n' "$_bl_last"
}

# bootc_live_parse: the program turns the kernel arguments into BOOTC_LIVE_* assignments, kept in
# $BOOTC_LIVE_CONF for the job and the netroot handler (which run in other processes).
bootc_live_parse() {
    bootc-live-unpack cmdline > "$BOOTC_LIVE_CONF" 2> /run/bootc-live.err \
        || die "$(bootc_live_last_line /run/bootc-live.err)"
    . "$BOOTC_LIVE_CONF"
    # shellcheck disable=SC2034 # read by dracut's init
    [ "$BOOTC_LIVE_SOURCE_KIND" = file ] && rootok=1
    echo "[ -e $BOOTC_LIVE_WORK/ready ]" > "$hookdir/initqueue/finished/bootc-live.sh"
}

# bootc_live_netroot KIND...: claim root= for network sources of these kinds (dracut's netroot calls
# /sbin/bootc-liveroot once an interface is up).
bootc_live_netroot() {
    . "$BOOTC_LIVE_CONF"
    for _bl_kind in "$@"; do
        [ "$BOOTC_LIVE_SOURCE_KIND" = "$_bl_kind" ] || continue
        # shellcheck disable=SC2034 # read by dracut's init and netroot
        netroot="bootc-live:$BOOTC_LIVE_SOURCE"
        # shellcheck disable=SC2034
        rootok=1
    done
}

# bootc_live_queue: run bootc-live-job.sh from the init loop (sourced there, so its die stops the boot).
bootc_live_queue() {
    /sbin/initqueue --settled --onetime --unique --name bootc-live . /lib/bootc-live-job.sh
}

# bootc_live_run CMD...: CMD's stdout and stderr reach the console as they come, except its last
# stderr line, held back: on failure that line (the program's error) becomes the die message.
bootc_live_run() {
    {
        {
            "$@" 2>&1 >&3 3>&-
            echo "$?" > /run/bootc-live.rc
        } | {
            _bl_held=
            while IFS= read -r _bl_l || [ -n "$_bl_l" ]; do
                [ -n "$_bl_held" ] && printf '%s\n' "$_bl_held" >&2
                _bl_held=$_bl_l
            done
            printf '%s\n' "$_bl_held" > /run/bootc-live.err
        }
    } 3>&1
    read -r _bl_rc < /run/bootc-live.rc
    _bl_msg=$(bootc_live_last_line /run/bootc-live.err)
    if [ "$_bl_rc" = 0 ]; then
        [ -n "$_bl_msg" ] && printf '%s\n' "$_bl_msg" >&2
        return 0
    fi
    [ "$_bl_rc" -gt 128 ] && _bl_msg="bootc-live: $1 $2 was killed by signal $((_bl_rc - 128)) (out of memory?)"
    die "${_bl_msg:-bootc-live: $1 $2 failed with status $_bl_rc}"
}

# bootc_live_setup: fetch and unpack the image, assemble the root at $BOOTC_LIVE_ROOT.
bootc_live_setup() {
    [ -e "$BOOTC_LIVE_WORK/ready" ] && return 0
    . "$BOOTC_LIVE_CONF"
    [ "$BOOTC_LIVE_KEXEC" = 1 ] && warn "bootc-live: bootc.kexec is not supported yet: booting the image live"
    [ -n "$BOOTC_LIVE_ZRAM_BYTES" ] && warn "bootc-live: bootc.zram is not supported yet: the work area is a tmpfs"
    mkdir -p "$BOOTC_LIVE_WORK" "$BOOTC_LIVE_ROOT"
    # /run is nosuid,nodev: setuid files and device nodes of the image need a tmpfs of their own.
    mount -t tmpfs -o mode=0755,suid,dev bootc-live "$BOOTC_LIVE_WORK" \
        || die "bootc-live: cannot mount a tmpfs on $BOOTC_LIVE_WORK"
    _bl_src=$BOOTC_LIVE_SOURCE
    if [ "$BOOTC_LIVE_SOURCE_KIND" = urllib ]; then
        [ -e /lib/url-lib.sh ] || die "bootc-live: $_bl_src: this initramfs lacks dracut's url-lib module"
        . /lib/url-lib.sh
        fetch_url "$_bl_src" "$BOOTC_LIVE_WORK/root.oci" || die "bootc-live: cannot download $_bl_src"
        _bl_src=$BOOTC_LIVE_WORK/root.oci
    fi
    bootc_live_unpack "$_bl_src"
    # Free the archive's RAM at once, unless the kexec stage is to be handed it.
    case "$BOOTC_LIVE_SOURCE_KIND:$BOOTC_LIVE_KEXEC$BOOTC_LIVE_KEXEC_REUSE" in
        file:11 | urllib:11 | http:* | docker:*) ;;
        *) rm -f -- "$_bl_src" ;;
    esac
    bootc_live_mount_root
    bootc_live_mount_dir etc "$BOOTC_LIVE_ETC_RW"
    bootc_live_mount_dir var "$BOOTC_LIVE_VAR_RW"
    : > "$BOOTC_LIVE_WORK/ready"
}

# bootc_live_unpack SOURCE: the tree (bind mode) or the EROFS image (bootc.live.erofs) in the work area.
bootc_live_unpack() {
    _bl_arch=$1
    set --
    [ -n "$BOOTC_LIVE_LABEL" ] && set -- "$@" --label "$BOOTC_LIVE_LABEL"
    if [ "$BOOTC_LIVE_QUIET" = 1 ]; then set -- "$@" --quiet; else set -- "$@" --progress lines; fi
    if [ "$BOOTC_LIVE_SOURCE_KIND" = http ] || [ "$BOOTC_LIVE_SOURCE_KIND" = docker ]; then
        [ "$BOOTC_LIVE_REGISTRY_INSECURE" = 1 ] && set -- "$@" --insecure
        [ -n "$BOOTC_LIVE_REGISTRY_AUTH" ] && set -- "$@" --authfile "$BOOTC_LIVE_REGISTRY_AUTH"
        set -- "$@" --retries "$BOOTC_LIVE_NET_RETRIES" --timeout "$BOOTC_LIVE_NET_TIMEOUT"
    fi
    if [ "$BOOTC_LIVE_EROFS" = 1 ]; then
        bootc_live_run bootc-live-unpack erofs "$_bl_arch" "$BOOTC_LIVE_WORK/root.erofs" "$@"
    else
        mkdir -p "$BOOTC_LIVE_WORK/tree"
        bootc_live_run bootc-live-unpack unpack "$_bl_arch" "$BOOTC_LIVE_WORK/tree" "$@"
    fi
}

# bootc_live_mount_root: the root at $BOOTC_LIVE_ROOT, read-only unless rw.
bootc_live_mount_root() {
    _bl_opts=ro
    [ "$BOOTC_LIVE_RW" = 1 ] && _bl_opts=rw
    _bl_opts=$_bl_opts${BOOTC_LIVE_ROOTFLAGS:+,$BOOTC_LIVE_ROOTFLAGS}
    _bl_w=$BOOTC_LIVE_WORK
    if [ "$BOOTC_LIVE_EROFS" != 1 ]; then
        mount --bind "$_bl_w/tree" "$BOOTC_LIVE_ROOT" \
            && mount -o "remount,bind,$_bl_opts" "$BOOTC_LIVE_ROOT" \
            || die "bootc-live: cannot bind the unpacked tree on $BOOTC_LIVE_ROOT ($_bl_opts)"
    elif [ "$BOOTC_LIVE_RW" = 1 ]; then
        # EROFS + rw: an overlay over the whole image, its upper layer in the work tmpfs.
        mkdir -p "$_bl_w/lower" "$_bl_w/upper/root" "$_bl_w/ovwork/root"
        mount -t erofs -o loop,ro "$_bl_w/root.erofs" "$_bl_w/lower" \
            && mount -t overlay -o "lowerdir=$_bl_w/lower,upperdir=$_bl_w/upper/root,workdir=$_bl_w/ovwork/root${BOOTC_LIVE_ROOTFLAGS:+,$BOOTC_LIVE_ROOTFLAGS}" \
                bootc-live "$BOOTC_LIVE_ROOT" \
            || die "bootc-live: cannot mount the EROFS image with a writable overlay on $BOOTC_LIVE_ROOT"
    else
        mount -t erofs -o "loop,$_bl_opts" "$_bl_w/root.erofs" "$BOOTC_LIVE_ROOT" \
            || die "bootc-live: cannot mount the EROFS image on $BOOTC_LIVE_ROOT ($_bl_opts)"
    fi
}

# bootc_live_mount_dir NAME WRITABLE: /etc or /var writable (1) or read-only (0), whatever the root is.
bootc_live_mount_dir() {
    _bl_dir=$BOOTC_LIVE_ROOT/$1
    _bl_w=$BOOTC_LIVE_WORK
    [ "$2" = "$BOOTC_LIVE_RW" ] && return 0
    if [ ! -d "$_bl_dir" ]; then
        warn "bootc-live: the image has no /$1: nothing to mount there"
        return 0
    fi
    if [ "$2" = 0 ]; then
        mount --bind "$_bl_dir" "$_bl_dir" && mount -o remount,bind,ro "$_bl_dir" \
            || die "bootc-live: cannot make /$1 read-only"
    elif [ "$BOOTC_LIVE_EROFS" = 1 ]; then
        mkdir -p "$_bl_w/upper/$1" "$_bl_w/ovwork/$1"
        mount -t overlay -o "lowerdir=$_bl_dir,upperdir=$_bl_w/upper/$1,workdir=$_bl_w/ovwork/$1" bootc-live "$_bl_dir" \
            || die "bootc-live: cannot mount a writable overlay on /$1"
    else
        # Bind mode: the tree itself is on a writable tmpfs; only the root's bind mount is read-only.
        mount --bind "$_bl_w/tree/$1" "$_bl_dir" || die "bootc-live: cannot bind a writable /$1"
    fi
}
