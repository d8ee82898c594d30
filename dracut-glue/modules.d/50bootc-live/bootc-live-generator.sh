#!/bin/sh
# systemd generator: sysroot.mount binds the root the initqueue job assembles at /run/bootc-live.
# Written to the early dir ($2) so that it wins over systemd-fstab-generator's unit for root=.
command -v getarg > /dev/null || . /lib/dracut-lib.sh
case "$(getarg root=)" in
    bootc-live:*) ;;
    *) exit 0 ;;
esac
_dir=${2:-/run/systemd/generator.early}
mkdir -p "$_dir/initrd-root-fs.target.requires"
cat > "$_dir/sysroot.mount" << UNIT
[Unit]
Description=bootc-live root
DefaultDependencies=no
After=dracut-initqueue.service
Before=initrd-root-fs.target
[Mount]
What=/run/bootc-live
Where=/sysroot
Options=rbind,slave,shared
UNIT
ln -sf ../sysroot.mount "$_dir/initrd-root-fs.target.requires/sysroot.mount"
