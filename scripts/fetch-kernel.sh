#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Fetch the Debian 6.12 image, headers, kbuild and source packages of one
# version into the cache and unpack them there (no kernel is installed on the
# host). Idempotent: a finished unpack is marked with a stamp file.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
resolve_kver

stamp=$MPX_KDIR/.unpacked
if [ -f "$stamp" ]; then
	exit 0
fi

pkgs="linux-image-$MPX_KREL-unsigned linux-headers-$MPX_KREL
      linux-headers-$MPX_ABI-common linux-kbuild-$MPX_ABI"
pkgver=$(apt-cache policy "linux-image-$MPX_KREL-unsigned" | sed -n 's/^ *Candidate: //p')
[ -n "$pkgver" ] && [ "$pkgver" != "(none)" ] ||
	die "linux-image-$MPX_KREL-unsigned is not in the apt lists: run 'apt-get update' or pick another KVER="

debs=$MPX_CACHE/debs
mkdir -p "$debs"
msg "fetching Debian kernel packages $MPX_ABI ($pkgver)"
list=""
for p in $pkgs; do list="$list $p=$pkgver"; done
list="$list linux-source-6.12=$pkgver"
# apt's _apt user cannot write into root's cache; download from a dir it owns.
tmp=$(mktemp -d)
chmod 755 "$tmp"
# shellcheck disable=SC2086
(cd "$tmp" && apt-get download -q $list >/dev/null 2>"$tmp/err") ||
	die "apt-get download of the $MPX_ABI kernel packages failed ($(tail -n 1 "$tmp/err")): check network and 'apt-get update'"
mv "$tmp"/*.deb "$debs"/
rm -rf "$tmp"

msg "unpacking into $MPX_KDIR"
rm -rf "$MPX_ROOT" "$MPX_KDIR/src"
mkdir -p "$MPX_ROOT" "$MPX_KDIR/src"
for p in $pkgs; do
	dpkg -x "$debs/${p}_${pkgver}_"*.deb "$MPX_ROOT"
done
# The headers' Makefile includes the -common one by its absolute /usr/src path.
echo "include $MPX_ROOT/usr/src/linux-headers-$MPX_ABI-common/Makefile" >"$MPX_HDRS/Makefile"
# The image package leaves modules.dep to its postinst; we need it for the guest.
depmod -b "$MPX_ROOT" "$MPX_KREL"
msg "unpacking linux-source-6.12 (about 20 s)"
dpkg-deb --fsys-tarfile "$debs/linux-source-6.12_${pkgver}_all.deb" |
	tar -xO ./usr/src/linux-source-6.12.tar.xz | tar -xJ -C "$MPX_KDIR/src"
[ -d "$MPX_SRC/drivers/nvme/host" ] || die "linux-source-6.12 did not unpack to $MPX_SRC"
touch "$stamp"
msg "kernel $MPX_KREL ready"
