#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Build the nvme-mpx modules for an installed kernel, as DKMS runs it (see
# dkms.conf): KVER is the kernel release, KDIR its headers (the build
# directory DKMS passes, /lib/modules/KVER/build). drivers/nvme of the same
# kernel comes from Debian's linux-source-6.12 package
# (/usr/src/linux-source-6.12.tar.xz; MPX_LINUX_SOURCE= may name another
# tarball or an unpacked tree); mpx_assemble from scripts/lib.sh overlays our
# files and applies the hook patches exactly as the development build does.
# The modules land in dkms-build/modules/{common,host,target}/.
# Usage: dkms-build.sh KVER KDIR
set -euo pipefail
. "$(dirname "$0")/lib.sh"
[ $# -eq 2 ] || die "usage: dkms-build.sh KVER KDIR"
kver=$1 kdir=$2
[ -f "$kdir/Makefile" ] || die "no kernel headers in $kdir: apt-get install linux-headers-$kver"
out=$MPX_TOP/dkms-build
rm -rf "$out"
mkdir -p "$out"

# The source must be the headers' version: drivers/nvme of another 6.12
# release may not match the structures the running nvme-core was built with.
# Debian's per-flavour headers have no version in their Makefile (it only
# includes the common one): kernel.release has it (6.12.117+deb12-amd64).
want=$(sed 's/[-+].*//' "$kdir/include/config/kernel.release" 2>/dev/null)
[ -n "$want" ] || die "no include/config/kernel.release in $kdir: are these kernel headers?"
src=${MPX_LINUX_SOURCE:-/usr/src/linux-source-6.12.tar.xz}
if [ -d "$src" ]; then
	MPX_SRC=$src
else
	[ -f "$src" ] || die "$src is missing: apt-get install linux-source-6.12 (version $want)"
	msg "unpacking drivers/nvme from $src (about 30 s)"
	tar -xJf "$src" -C "$out" linux-source-6.12/Makefile linux-source-6.12/drivers/nvme ||
		die "$src has no linux-source-6.12/drivers/nvme"
	MPX_SRC=$out/linux-source-6.12
fi
have=$(sed -n 's/^VERSION = //p; s/^PATCHLEVEL = //p; s/^SUBLEVEL = //p' "$MPX_SRC/Makefile" | paste -sd.)
[ "$have" = "$want" ] ||
	die "linux-source is $have but the kernel headers are $want: install the matching linux-source-6.12"
export MPX_SRC

mpx_assemble "$out/tree"
b=$out/tree/drivers/nvme
kb() {
	local d=$1
	shift
	msg "building drivers/nvme/$d for $kver"
	make -s -C "$kdir" M="$b/$d" -j"$(nproc)" "$@" modules ||
		die "building drivers/nvme/$d failed (see the compiler output above)"
}
kb common
kb host KBUILD_EXTRA_SYMBOLS="$b/common/Module.symvers"
kb target KBUILD_EXTRA_SYMBOLS="$b/common/Module.symvers $b/host/Module.symvers"
for d in common host target; do
	mkdir -p "$out/modules/$d"
	cp "$b/$d"/*.ko "$out/modules/$d/"
done
msg "built $(find "$out/modules" -name '*.ko' | wc -l) modules into $out/modules"
