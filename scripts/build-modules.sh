#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Assemble drivers/nvme/{common,host,target} from the matching linux-source,
# overlay the project's files from drivers/nvme/host/, apply the hook patches
# and build every NVMe module out of tree against the Debian headers.
#
# Options (environment): V=1 verbose kbuild, C=1 run sparse on what is rebuilt,
# W=1 extra warnings.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
resolve_kver
[ -f "$MPX_KDIR/.unpacked" ] || "$MPX_TOP/scripts/fetch-kernel.sh"

stage=$MPX_NVME/stage
rm -rf "$stage"
mpx_assemble "$stage"

# Sync into the build tree only what changed, so kbuild stays incremental.
mkdir -p "$MPX_NVME/tree"
mirror_tree "$stage/drivers/nvme" "$MPX_NVME/tree"
rm -rf "$stage"

b=$MPX_NVME/tree
kb() {
	local d=$1
	shift
	make -s -C "$MPX_HDRS" M="$b/$d" ${V:+V=$V} ${C:+C=$C} ${W:+W=$W} \
		-j"$(nproc)" "$@" modules ||
		die "building drivers/nvme/$d failed (see the compiler output above)"
}
msg "building NVMe modules for $MPX_KREL"
kb common
kb host KBUILD_EXTRA_SYMBOLS="$b/common/Module.symvers"
# The target links against nvme-core's exports: their CRCs change with any
# change to host/nvme.h, so it is always rebuilt together with host/.
kb target KBUILD_EXTRA_SYMBOLS="$b/common/Module.symvers $b/host/Module.symvers"

out=$MPX_NVME/modules
rm -rf "$out"
mkdir -p "$out"
for d in common host target; do
	mkdir -p "$out/$d"
	cp "$b/$d"/*.ko "$out/$d/"
done
msg "built $(find "$out" -name '*.ko' | wc -l) modules into $out"
