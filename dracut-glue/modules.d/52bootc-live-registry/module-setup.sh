#!/bin/bash
# bootc-live-registry: root=bootc-live:docker://REGISTRY/REPO:TAG, pulled by bootc-live-unpack itself
# (no skopeo). bootclabel= and the bootc.registry.* arguments are passed to it as for other sources.

# called by dracut
check() {
    return 255
}

# called by dracut
depends() {
    echo bootc-live-net
    return 0
}

# called by dracut
install() {
    inst_hook cmdline 31 "$moddir/parse-bootc-live-registry.sh"
    # Registry credentials: a containers auth.json named at build time, used with
    # bootc.registry.auth=/etc/bootc-live/auth.json (never credentials on the world-readable cmdline).
    if [[ -n ${BOOTC_LIVE_AUTHFILE:-} ]]; then
        inst_simple "$BOOTC_LIVE_AUTHFILE" /etc/bootc-live/auth.json
    fi
}
