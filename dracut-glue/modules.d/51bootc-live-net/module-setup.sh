#!/bin/bash
# bootc-live-net: root=bootc-live:http(s)://... downloaded by bootc-live-unpack itself (no curl), and
# tftp://, ftp://, nfs:// fetched by dracut's url-lib into the work area, then unpacked the same way.

# called by dracut
check() {
    return 255
}

# called by dracut
depends() {
    echo bootc-live network url-lib
    return 0
}

# called by dracut
install() {
    inst_hook cmdline 31 "$moddir/parse-bootc-live-net.sh"
    # dracut's netroot runs /sbin/<netroot prefix>root once an interface is up.
    inst_script "$moddir/bootc-liveroot.sh" /sbin/bootc-liveroot
}
