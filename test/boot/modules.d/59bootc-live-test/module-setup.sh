#!/bin/bash
# Test-only (test/boot): prints, from the initramfs, facts the booted image cannot see itself.

# called by dracut
check() {
    return 255
}

# called by dracut
depends() {
    echo bootc-live
    return 0
}

# shellcheck disable=SC2154 # moddir is set by dracut
# called by dracut
install() {
    inst_multiple sha256sum sleep df
    inst_hook cmdline 10 "$moddir/mem-bootc-live-test.sh"
    inst_hook pre-pivot 90 "$moddir/report-bootc-live-test.sh"
}
