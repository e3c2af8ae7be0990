#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Build an initramfs with Debian's own mkinitramfs for a kernel that is not
# installed on this machine, without touching the machine: in a private mount
# namespace, the kernel's extracted modules are put where mkinitramfs looks
# (/lib/modules/KVER, on an overlay of /usr/lib), its config on /boot, and the
# given modprobe.d directory on /etc/modprobe.d.
#   mkinitramfs-test.sh KDIR KVER CONFDIR MODPROBE_D WORKDIR OUT
# KDIR is the kernel .deb extracted (tests/vm/run's cache). CONFDIR is an
# initramfs-tools configuration directory (-d); its modules file decides
# whether the vfio modules go in.
set -eu
kdir=$1 kver=$2 conf=$3 md=$4 work=$5 out=$6
mkdir -p "$work/u" "$work/w"
exec unshare -m sh -eu -c '
	kdir=$1 kver=$2 conf=$3 md=$4 work=$5 out=$6
	mount --make-rprivate /
	mount -t overlay overlay -o "lowerdir=/usr/lib,upperdir=$work/u,workdir=$work/w" /usr/lib
	mkdir -p "/usr/lib/modules/$kver"
	mount --bind "$kdir/lib/modules/$kver" "/usr/lib/modules/$kver"
	mount --bind "$kdir/boot" /boot
	mount --bind "$md" /etc/modprobe.d
	mkinitramfs -d "$conf" -o "$out" "$kver"
' sh "$kdir" "$kver" "$conf" "$md" "$work" "$out"
