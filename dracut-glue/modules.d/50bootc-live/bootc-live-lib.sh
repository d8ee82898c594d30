#!/bin/sh
# Shared by the bootc-live hooks. The program parses and unpacks; this file only runs it, stops the
# boot when it fails, and mounts what it wrote. Every failure ends in one die line naming the cause.
command -v getarg > /dev/null || . /lib/dracut-lib.sh

BOOTC_LIVE_CONF=/run/bootc-live.conf
# The final root (sysroot.mount binds it), and the work area that holds the tree or the EROFS image.
BOOTC_LIVE_ROOT=/run/bootc-live
BOOTC_LIVE_WORK=/run/bootc-live-work
# The job's cgroup (v2): memory.peak counts its processes and the tmpfs pages they write (the tree,
# the EROFS image, a download); memory.current after the job is what stays of it in RAM.
BOOTC_LIVE_CGROUP=/sys/fs/cgroup/bootc-live-job

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
    bootc_live_handover
    # shellcheck disable=SC2034 # read by dracut's init
    [ "$BOOTC_LIVE_SOURCE_KIND" = file ] && rootok=1
    echo "[ -e $BOOTC_LIVE_WORK/ready ]" > "$hookdir/initqueue/finished/bootc-live.sh"
}

# bootc_live_handover: a previous stage (bootc.kexec) handed over the archive or the EROFS image in
# the initramfs: it becomes a file source, so nothing is downloaded again.
bootc_live_handover() {
    case "$BOOTC_LIVE_HANDOVER_KIND:$BOOTC_LIVE_EROFS" in
        oci:* | erofs:1) ;;
        erofs:*)
            warn "bootc-live: $BOOTC_LIVE_HANDOVER ignored: bootc.live.erofs is off"
            echo BOOTC_LIVE_HANDOVER_KIND= >> "$BOOTC_LIVE_CONF"
            return 0
            ;;
        *) return 0 ;;
    esac
    printf 'BOOTC_LIVE_SOURCE=%s\nBOOTC_LIVE_SOURCE_KIND=file\n' "$BOOTC_LIVE_HANDOVER" >> "$BOOTC_LIVE_CONF"
    . "$BOOTC_LIVE_CONF"
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
    bootc_live_cgroup_enter
    bootc_live_mount_work
    bootc_live_fetch
    _bl_img=$BOOTC_LIVE_WORK/root.erofs
    if [ "$BOOTC_LIVE_HANDOVER_KIND" = erofs ]; then
        info "bootc-live: mounting the EROFS image handed over by the previous stage: $_bl_src"
        _bl_img=$_bl_src
        _bl_file=0
    else
        info "bootc-live: unpacking $_bl_src"
        bootc_live_unpack "$_bl_src"
    fi
    # Free the archive's RAM at once, unless the kexec stage is to be handed it.
    [ "$_bl_file" = 1 ] && [ "$BOOTC_LIVE_KEXEC$BOOTC_LIVE_KEXEC_REUSE" != 11 ] && rm -f -- "$_bl_src"
    bootc_live_mount_root
    bootc_live_mount_dir etc "$BOOTC_LIVE_ETC_RW"
    bootc_live_mount_dir var "$BOOTC_LIVE_VAR_RW"
    if [ "$BOOTC_LIVE_KEXEC" = 1 ]; then
        . /lib/bootc-live-kexec.sh
        bootc_live_kexec
    fi
    bootc_live_cgroup_leave
    : > "$BOOTC_LIVE_WORK/ready"
}

# bootc_live_cgroup_enter: this shell, and so every command of the job, into $BOOTC_LIVE_CGROUP
# (cgroup2 is mounted first on an empty /sys/fs/cgroup). Without cgroup2 or its memory controller
# nothing happens: the figure is for the log, the boot never depends on it.
bootc_live_cgroup_enter() {
    _bl_cg_from=
    _bl_cgfs=${BOOTC_LIVE_CGROUP%/*}
    if [ ! -e "$_bl_cgfs/cgroup.controllers" ]; then
        # A cgroup v1 hierarchy there stays as it is.
        for _bl_l in "$_bl_cgfs"/*; do
            [ -e "$_bl_l" ] && return 0
        done
        mount -t cgroup2 cgroup2 "$_bl_cgfs" 2> /dev/null || return 0
    fi
    echo +memory 2> /dev/null > "$_bl_cgfs/cgroup.subtree_control"
    mkdir -p "$BOOTC_LIVE_CGROUP" 2> /dev/null
    [ -e "$BOOTC_LIVE_CGROUP/memory.peak" ] || return 0
    # Where to go back to: "0::/PATH" is the v2 line.
    while IFS=: read -r _bl_l _ _bl_p; do
        [ "$_bl_l" = 0 ] && _bl_cg_from=$_bl_cgfs$_bl_p
    done < /proc/self/cgroup
    echo $$ 2> /dev/null > "$BOOTC_LIVE_CGROUP/cgroup.procs" || _bl_cg_from=
}

# bootc_live_cgroup_leave: back where the job came from; one line with the job's peak memory (what
# to size RAM by, on top of the initramfs and the archive) and what stays in use (tree or image).
bootc_live_cgroup_leave() {
    [ -n "$_bl_cg_from" ] || return 0
    echo $$ 2> /dev/null > "$_bl_cg_from/cgroup.procs"
    read -r _bl_peak < "$BOOTC_LIVE_CGROUP/memory.peak"
    read -r _bl_now < "$BOOTC_LIVE_CGROUP/memory.current"
    info "bootc-live: job peak memory $(((_bl_peak + 1048575) >> 20)) MiB, $(((_bl_now + 1048575) >> 20)) MiB of it still in use after it (the tree or image in RAM)"
}

# bootc_live_mount_work: the work area, on /dev/zram0 with bootc.zram=SIZE (a tmpfs when that fails).
bootc_live_mount_work() {
    mkdir -p "$BOOTC_LIVE_WORK" "$BOOTC_LIVE_ROOT"
    if [ -n "$BOOTC_LIVE_ZRAM_BYTES" ]; then
        bootc_live_zram && return 0
        warn "bootc-live: bootc.zram: $_bl_why: the work area is a tmpfs"
    fi
    # /run is nosuid,nodev: setuid files and device nodes of the image need a tmpfs of their own.
    mount -t tmpfs -o mode=0755,suid,dev bootc-live "$BOOTC_LIVE_WORK" \
        || die "bootc-live: cannot mount a tmpfs on $BOOTC_LIVE_WORK"
}

# bootc_live_zram: an ext4 on /dev/zram0 (bootc.zram=SIZE, bootc.zram.alg=) as the work area; on
# failure the device is reset and _bl_why says why. discard: deleted files (the archive) free RAM.
bootc_live_zram() {
    _bl_z=/sys/block/zram0
    modprobe zram && [ -e $_bl_z/disksize ] || {
        _bl_why="cannot load the zram module"
        return 1
    }
    if [ -n "$BOOTC_LIVE_ZRAM_ALG" ]; then
        modprobe -q "crypto-$BOOTC_LIVE_ZRAM_ALG"
        echo "$BOOTC_LIVE_ZRAM_ALG" 2> /dev/null > $_bl_z/comp_algorithm || {
            _bl_why="compression $BOOTC_LIVE_ZRAM_ALG not offered by zram (it has: $(cat $_bl_z/comp_algorithm))"
            return 1
        }
    fi
    _bl_why="cannot set up /dev/zram0 of $BOOTC_LIVE_ZRAM_BYTES bytes with ext4"
    echo "$BOOTC_LIVE_ZRAM_BYTES" 2> /dev/null > $_bl_z/disksize \
        && mkfs.ext4 -q -m 0 /dev/zram0 \
        && mount -t ext4 -o suid,dev,discard /dev/zram0 "$BOOTC_LIVE_WORK" \
        && chmod 0755 "$BOOTC_LIVE_WORK" && return 0
    echo 1 > $_bl_z/reset
    return 1
}

# bootc_live_fetch: _bl_src, what the program reads: the source itself or a file in the work area
# (_bl_file=1 when it is a file: url-lib schemes, and every source under bootc.kexec with reuse, whose
# archive is handed over to the next stage).
bootc_live_fetch() {
    _bl_src=$BOOTC_LIVE_SOURCE
    _bl_file=1
    case "$BOOTC_LIVE_SOURCE_KIND:$BOOTC_LIVE_KEXEC$BOOTC_LIVE_KEXEC_REUSE" in
        file:*) return 0 ;;
        urllib:* | http:11)
            [ -e /lib/url-lib.sh ] || die "bootc-live: $_bl_src: this initramfs lacks dracut's url-lib module"
            . /lib/url-lib.sh
            fetch_url "$_bl_src" "$BOOTC_LIVE_WORK/root.oci" || die "bootc-live: cannot download $_bl_src"
            ;;
        docker:11) bootc_live_program pull "$_bl_src" "$BOOTC_LIVE_WORK/root.oci" ;;
        *)
            _bl_file=0
            return 0
            ;;
    esac
    _bl_src=$BOOTC_LIVE_WORK/root.oci
}

# bootc_live_unpack SOURCE: the tree (bind mode) or the EROFS image (bootc.live.erofs) in the work area.
bootc_live_unpack() {
    if [ "$BOOTC_LIVE_EROFS" = 1 ]; then
        bootc_live_program erofs "$1" "$BOOTC_LIVE_WORK/root.erofs"
    else
        mkdir -p "$BOOTC_LIVE_WORK/tree"
        bootc_live_program unpack "$1" "$BOOTC_LIVE_WORK/tree"
    fi
}

# bootc_live_program CMD SOURCE OUT: bootc-live-unpack with the options of the kernel arguments.
bootc_live_program() {
    _bl_cmd=$1
    _bl_arch=$2
    _bl_out=$3
    set --
    [ -n "$BOOTC_LIVE_LABEL" ] && set -- "$@" --label "$BOOTC_LIVE_LABEL"
    if [ "$BOOTC_LIVE_QUIET" = 1 ]; then set -- "$@" --quiet; else set -- "$@" --progress lines; fi
    case "$_bl_arch" in
        http://* | https://* | docker://*)
            [ "$BOOTC_LIVE_REGISTRY_INSECURE" = 1 ] && set -- "$@" --insecure
            [ -n "$BOOTC_LIVE_REGISTRY_AUTH" ] && set -- "$@" --authfile "$BOOTC_LIVE_REGISTRY_AUTH"
            set -- "$@" --retries "$BOOTC_LIVE_NET_RETRIES" --timeout "$BOOTC_LIVE_NET_TIMEOUT"
            ;;
    esac
    bootc_live_run bootc-live-unpack "$_bl_cmd" "$_bl_arch" "$_bl_out" "$@"
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
        mount -t erofs -o loop,ro "$_bl_img" "$_bl_w/lower" \
            && mount -t overlay -o "lowerdir=$_bl_w/lower,upperdir=$_bl_w/upper/root,workdir=$_bl_w/ovwork/root${BOOTC_LIVE_ROOTFLAGS:+,$BOOTC_LIVE_ROOTFLAGS}" \
                bootc-live "$BOOTC_LIVE_ROOT" \
            || die "bootc-live: cannot mount the EROFS image with a writable overlay on $BOOTC_LIVE_ROOT"
    else
        mount -t erofs -o "loop,$_bl_opts" "$_bl_img" "$BOOTC_LIVE_ROOT" \
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
