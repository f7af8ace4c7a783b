#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make dkms-test: dkms.conf as DKMS uses it, on the host, against the cached
# Debian headers and linux-source-6.12 tarball (no kernel is installed here,
# so it builds and does not install): the source tree from git archive goes
# to /usr/src/nvme-mpx-VER, dkms add + build, the 14 modules must come out
# with the kernel's vermagic and the same srcversion as make's build; a
# headers/source version mismatch must be refused. Removes everything it
# added from /usr/src and the DKMS tree. Needs root and the dkms package.
# Ends with "dkms: N passed, M failed". About 2 minutes.
set -uo pipefail
. "$(dirname "$0")/../scripts/lib.sh"
resolve_kver
command -v dkms >/dev/null || die "dkms is missing: apt-get install dkms"
ver=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' "$MPX_TOP/dkms.conf")
src=/usr/src/nvme-mpx-$ver
pass=0 fail=0
t() {
	local d=$1
	shift
	if "$@"; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAILED: dkms: $d" >&2; fi
}
[ -f "$MPX_NVME/modules/host/nvme-core.ko" ] || die "build the modules first (make)"
[ ! -e "$src" ] || die "$src exists: not touching an installed copy"
tmp=$(mktemp -d)
cleanup() {
	dkms remove "nvme-mpx/$ver" --all >/dev/null 2>&1
	rm -rf "$src" "$tmp"
}
trap cleanup EXIT
msg "extracting linux-source-6.12.tar.xz from the cached package"
deb=$(ls "$MPX_CACHE"/debs/linux-source-6.12_"${MPX_ABI%%+*}"-*_all.deb 2>/dev/null | tail -n 1)
[ -n "$deb" ] || die "no cached linux-source-6.12 package for $MPX_ABI: run make first"
dpkg-deb --fsys-tarfile "$deb" |
	tar -xO ./usr/src/linux-source-6.12.tar.xz >"$tmp/linux-source-6.12.tar.xz" ||
	die "no cached linux-source-6.12 package: run make first"
mkdir -p "$src"
git -C "$MPX_TOP" archive HEAD | tar -x -C "$src"
# Uncommitted changes to the build scripts count too.
cp "$MPX_TOP/scripts/dkms-build.sh" "$MPX_TOP/scripts/lib.sh" "$src/scripts/"
cp "$MPX_TOP/dkms.conf" "$src/"
t "dkms add" dkms add "nvme-mpx/$ver" >/dev/null
msg "dkms build for $MPX_KREL (about 90 s)"
MPX_LINUX_SOURCE=$tmp/linux-source-6.12.tar.xz dkms build "nvme-mpx/$ver" -k "$MPX_KREL" \
	--kernelsourcedir "$MPX_HDRS" >"$tmp/build.log" 2>&1
rc=$?
[ $rc -eq 0 ] || { tail -n 20 "$tmp/build.log"; cat /var/lib/dkms/nvme-mpx/"$ver"/build/make.log 2>/dev/null | tail -n 20; } >&2
t "dkms build exits 0" [ $rc -eq 0 ]
out=/var/lib/dkms/nvme-mpx/$ver/$MPX_KREL/$(uname -m)/module
n=$(ls "$out"/*.ko 2>/dev/null | wc -l)
t "dkms built 14 modules ($n)" [ "$n" -eq 14 ]
t "vermagic is $MPX_KREL" sh -c "modinfo -F vermagic '$out/nvme-core.ko' | grep -q '^$MPX_KREL '"
for m in host/nvme-core common/nvme-auth target/nvmet; do
	t "$m: same srcversion as make's build" \
		[ "$(modinfo -F srcversion "$out/${m#*/}.ko")" = "$(modinfo -F srcversion "$MPX_NVME/modules/$m.ko")" ]
done
mkdir -p "$tmp/hdr/include/config"
echo "6.12.999+deb12-amd64" >"$tmp/hdr/include/config/kernel.release"
touch "$tmp/hdr/Makefile"
cp -a "$src" "$tmp/srccopy"
MPX_LINUX_SOURCE=$MPX_SRC bash "$tmp/srccopy/scripts/dkms-build.sh" 6.12.999+deb12-amd64 "$tmp/hdr" \
	>"$tmp/mismatch.log" 2>&1
rc=$?
t "a source/headers version mismatch is refused" \
	sh -c "[ $rc -ne 0 ] && grep -q 'linux-source is' '$tmp/mismatch.log'"
echo "dkms: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
