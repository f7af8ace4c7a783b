#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Run the mpx KUnit suites (tests/kunit/) under UML with kunit.py.
#
# The pristine linux-source is never written: it is hard-link copied once
# (cp -al) to $MPX_NVME/kunit-src, and the overlay below replaces files there
# (cp --remove-destination, patch's rename) instead of writing through links.
# Overlay = what build-modules.sh does for drivers/nvme/host, plus the test
# sources from tests/kunit/ next to Makefile.mpx, which builds them when
# CONFIG_NVME_MPX_KUNIT_TEST is set (tests/kunit/.kunitconfig).
# Extra arguments go to "kunit.py run", e.g. 'nvme-mpx-round-robin'.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
resolve_kver
[ -f "$MPX_KDIR/.unpacked" ] || "$MPX_TOP/scripts/fetch-kernel.sh"

ktree=$MPX_NVME/kunit-src
kbuild=$MPX_NVME/kunit-build
host=drivers/nvme/host
own=$MPX_TOP/$host

if [ ! -d "$ktree" ]; then
	msg "hard-link copying linux-source to $ktree"
	cp -al "$MPX_SRC" "$ktree"
fi

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/$host"
cp -a "$MPX_SRC/$host/." "$stage/$host/"
for f in "$own"/*.[ch] "$own"/Makefile.mpx "$own"/Kconfig.mpx \
	 "$MPX_TOP"/tests/kunit/*.c; do
	[ -e "$f" ] && cp "$f" "$stage/$host/"
done
for p in "$own"/patches/*.patch; do
	[ -e "$p" ] || continue
	patch -s -p1 -d "$stage" --no-backup-if-mismatch <"$p" ||
		die "hook patch $(basename "$p") does not apply"
done
mirror_tree "$stage/$host" "$ktree/$host"

msg "running KUnit (UML) in $kbuild"
cd "$ktree"
python3 tools/testing/kunit/kunit.py run --build_dir="$kbuild" \
	--kunitconfig="$MPX_TOP/tests/kunit/.kunitconfig" --jobs=2 "$@"
