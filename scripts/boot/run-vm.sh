#!/bin/bash
# run-vm.sh INITRD [CMDLINE...]: boot out/kernel.img with INITRD under QEMU TCG, serial console on stdio.
#   Networking: user mode with restrict=on (no way out of this machine); each GUESTFWD entry
#   "GUESTPORT=HOSTPORT" makes 10.0.2.100:GUESTPORT reach 127.0.0.1:HOSTPORT on the host.
#   TFTP_DIR: served by QEMU's own TFTP server at 10.0.2.2 (tftp://10.0.2.2/FILE).
#   VM_MEM (MiB, default 1024), VM_TIMEOUT (seconds, default 600: QEMU is killed then).
#   panic=-1 and -no-reboot: a failed boot ends QEMU at once instead of hanging.
set -euo pipefail
cd "$(dirname "$0")/../.."
initrd=${1:?usage: run-vm.sh INITRD [CMDLINE...]}
shift
kernel=${KERNEL:-out/kernel.img}
[[ -f $kernel ]] || {
    echo "run-vm.sh: $kernel missing: run 'just copy-kernel'" >&2
    exit 1
}
nic=user,model=virtio-net-pci,restrict=on${TFTP_DIR:+,tftp=$TFTP_DIR}
for fwd in ${GUESTFWD:-}; do
    nic+=",guestfwd=tcp:10.0.2.100:${fwd%%=*}-cmd:busybox nc 127.0.0.1 ${fwd#*=}"
done
exec timeout --kill-after=5 "${VM_TIMEOUT:-600}" qemu-system-x86_64 -accel tcg -smp 1 -m "${VM_MEM:-1024}" \
    -nographic -no-reboot -kernel "$kernel" -initrd "$initrd" -nic "$nic" \
    -append "console=ttyS0 panic=-1 $*"
