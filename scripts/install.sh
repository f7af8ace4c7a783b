#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Install or uninstall the nvme-mpx modules (and optionally the CLI, its
# man page, its udev rule and an example configuration). POSIX sh, so that
# it also runs in the test guest (dash).
#
#   install.sh -m MODDIR [-k KREL] [-d DESTDIR] [-t CLI] [-8 MANPAGE] [-p PREFIX]
#              [-u RULES] [-e EXAMPLE] install
#   install.sh [-k KREL] [-d DESTDIR] uninstall
#
# RULES (udev/71-nvme-mpx.rules, needs -t) goes to /usr/lib/udev/rules.d
# with @SBINDIR@ replaced by PREFIX/sbin; EXAMPLE to
# PREFIX/share/doc/nvme-mpx/. /etc/nvme-mpx.conf itself is the admin's: it
# is neither installed nor removed.
#
# MODDIR holds the built modules (common/ host/ target/, *.ko), as
# scripts/build-modules.sh leaves them. They go to
# DESTDIR/lib/modules/KREL/updates/nvme-mpx/, which depmod searches before
# kernel/, so modprobe picks them over Debian's own NVMe modules; the stock
# files are not touched. Every file installed is listed in
# DESTDIR/var/lib/nvme-mpx/manifest-KREL, and a file that was there before
# (an older CLI, say) is kept as NAME.nvme-mpx-orig: uninstall removes
# exactly what install added, puts those files back and runs depmod again.
set -eu

destdir=${DESTDIR:-} krel=${KREL:-} moddir= cli= man= prefix=/usr/local rules= example=
udevdir=/usr/lib/udev/rules.d
usage() {
	echo "usage: install.sh -m MODDIR [-k KREL] [-d DESTDIR] [-t CLI] [-8 MANPAGE] [-p PREFIX]" >&2
	echo "                  [-u RULES] [-e EXAMPLE] install" >&2
	echo "       install.sh [-k KREL] [-d DESTDIR] uninstall" >&2
	exit 2
}
die() { echo "install.sh: error: $*" >&2; exit 1; }
msg() { echo "==> $*" >&2; }
while getopts d:k:m:t:8:p:u:e: o; do
	case $o in
	d) destdir=$OPTARG ;;
	k) krel=$OPTARG ;;
	m) moddir=$OPTARG ;;
	t) cli=$OPTARG ;;
	8) man=$OPTARG ;;
	p) prefix=$OPTARG ;;
	u) rules=$OPTARG ;;
	e) example=$OPTARG ;;
	*) usage ;;
	esac
done
shift $((OPTIND - 1))
[ $# -eq 1 ] || usage
[ -z "$rules" ] || [ -n "$cli" ] || die "-u (the udev rule) runs the CLI: give it with -t"
for f in "$rules" "$example"; do
	[ -z "$f" ] || [ -f "$f" ] || die "$f: no such file"
done
krel=${krel:-$(uname -r)}
# A Debian version without its flavour (6.12.118+deb12) means the amd64
# one; any other release, such as the debug tier's own kernel, is as given.
case $krel in
*+deb[0-9]*-*) ;;
*+deb[0-9]*) krel=$krel-amd64 ;;
esac
destdir=${destdir%/}
command -v depmod >/dev/null 2>&1 || die "depmod is missing (apt-get install kmod)"

mods=/lib/modules/$krel/updates/nvme-mpx
state=/var/lib/nvme-mpx
manifest=$state/manifest-$krel

run_depmod() {
	msg "depmod $krel${destdir:+ in $destdir}"
	if [ -n "$destdir" ]; then
		depmod -b "$destdir" "$krel"
	else
		depmod "$krel"
	fi
}

# put SRC DST MODE: install one file and record it (and any file it replaces).
put() {
	if [ -e "$destdir$2" ] && ! grep -qxF "f $2" "$destdir$manifest" 2>/dev/null; then
		mv "$destdir$2" "$destdir$2.nvme-mpx-orig"
		echo "o $2" >>"$destdir$manifest"
	fi
	mkdirs "$(dirname "$2")"
	cp "$1" "$destdir$2"
	chmod "$3" "$destdir$2"
	echo "f $2" >>"$destdir$manifest"
}

# mkdirs DIR: create DIR and the parents that are missing, recording each.
mkdirs() {
	[ -d "$destdir$1" ] && return 0
	mkdirs "$(dirname "$1")"
	mkdir "$destdir$1"
	echo "d $1" >>"$destdir$manifest"
}

# udevd reads new rules by itself within seconds; asking is quicker.
reload_udev() {
	if [ -z "$destdir" ] && command -v udevadm >/dev/null 2>&1; then
		udevadm control --reload 2>/dev/null || true
	fi
}

do_uninstall() {
	local kind path
	[ -f "$destdir$manifest" ] || { msg "nothing installed for $krel${destdir:+ in $destdir}"; return 1; }
	msg "removing nvme-mpx for $krel${destdir:+ from $destdir}"
	# Files first, then restore what they replaced, then directories deepest first.
	while read -r kind path; do
		[ "$kind" = f ] && rm -f "$destdir$path"
	done <"$destdir$manifest"
	while read -r kind path; do
		[ "$kind" = o ] && mv "$destdir$path.nvme-mpx-orig" "$destdir$path"
	done <"$destdir$manifest"
	dirs=$(grep '^d ' "$destdir$manifest" | cut -c3- | sort -r)
	rm -f "$destdir$manifest"
	# Deepest first; the state directory too if install created it.
	for path in $dirs; do
		rmdir "$destdir$path" 2>/dev/null || true
	done
	return 0
}

case $1 in
install)
	[ -n "$moddir" ] || usage
	n=$(find "$moddir" -name '*.ko' | wc -l)
	[ "$n" -gt 0 ] || die "no modules in $moddir: build them first (make)"
	[ -d "$destdir/lib/modules/$krel" ] ||
		die "$destdir/lib/modules/$krel does not exist: is the kernel $krel installed?"
	if [ -f "$destdir$manifest" ]; then
		msg "replacing the previous installation"
		do_uninstall
	fi
	# Directories made for the manifest are recorded in it once it exists.
	made= d=$state
	while [ ! -d "$destdir$d" ]; do
		made="$made $d"
		d=$(dirname "$d")
	done
	mkdir -p "$destdir$state"
	: >"$destdir$manifest"
	for d in $made; do echo "d $d" >>"$destdir$manifest"; done
	msg "installing $n modules into $destdir$mods"
	for f in $(find "$moddir" -name '*.ko' | sort); do
		put "$f" "$mods/$(basename "$f")" 0644
	done
	if [ -n "$cli" ]; then
		msg "installing the CLI into $destdir$prefix/sbin"
		put "$cli" "$prefix/sbin/nvme-mpx" 0755
	fi
	if [ -n "$man" ]; then
		put "$man" "$prefix/share/man/man8/nvme-mpx.8" 0644
	fi
	if [ -n "$rules" ]; then
		msg "installing the udev rule into $destdir$udevdir"
		tmp=$(mktemp)
		sed "s|@SBINDIR@|$prefix/sbin|g" "$rules" >"$tmp"
		put "$tmp" "$udevdir/71-nvme-mpx.rules" 0644
		rm -f "$tmp"
	fi
	if [ -n "$example" ]; then
		put "$example" "$prefix/share/doc/nvme-mpx/nvme-mpx.conf.example" 0644
	fi
	run_depmod
	reload_udev
	msg "done: 'modprobe -r nvme-tcp nvme nvme-core' and load again, or reboot, to use them"
	;;
uninstall)
	do_uninstall && run_depmod && reload_udev
	;;
*)
	usage ;;
esac
