#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Build the guest's initramfs in two parts, concatenated at boot:
#  - base.cpio.gz: busybox, the user-space tools with their libraries, and the
#    Debian module tree trimmed to what the tests need, with the stock NVMe
#    modules moved aside to /stock-nvme (for the yardstick). They must stay
#    outside /lib/modules: depmod would otherwise pick them over ours.
#    Cached: rebuilt only when the kernel or the host's tools change.
#  - overlay.cpio.gz: our NVMe modules, /init and the tests, the admin CLI
#    (tools/nvme-mpx), jq to check its JSON, scripts/install.sh for the
#    install test and udev/71-nvme-mpx.rules for the conf test. Rebuilt
#    each run.
# Two work trees share the cache: the base's key covers only the part of this
# script that builds it, a stale base is removed only when it is a day old,
# and the overlay and initrd are written under temporary names and renamed,
# so one tree's run never deletes or tears the other's files. The initrd
# goes to INITRD (default OUTDIR/initrd.gz): a run passes its own work dir,
# so that another tree's run cannot swap it before it is copied.
# Usage: mkinitramfs.sh OUTDIR [INITRD]
set -euo pipefail
. "$(dirname "$0")/../../scripts/lib.sh"
resolve_kver
out=$1
initrd=${2:-$out/initrd.gz}
mkdir -p "$out"

bins="/usr/sbin/nvme /usr/bin/fio /usr/bin/ip /usr/sbin/ip /usr/sbin/tc /usr/bin/tc
      /usr/sbin/nft /usr/bin/rdma /usr/sbin/rdma /usr/bin/kmod /bin/kmod /usr/sbin/dmsetup
      /usr/bin/taskset /bin/dash /lib/systemd/systemd-udevd /usr/bin/udevadm"
# Modules the tests load; their dependencies are added from modules.dep.
# virtio_blk and ext4 (with jbd2, mbcache, crc16) mount the install test's
# disk; virtio and virtio_pci are built into Debian's kernel.
want="nvme-core nvme nvme-fabrics nvme-tcp nvme-rdma nvme-fc nvme-loop nvmet nvmet-tcp
      nvmet-rdma nvmet-fc nvme-fcloop nvme-auth nvme-keyring null_blk brd loop
      rdma_rxe rdma_ucm ib_uverbs configfs dummy veth sch_netem sch_prio sch_tbf
      cls_u32 cls_basic cls_matchall nf_tables nft_reject_inet nft_reject nft_ct
      nft_limit nf_reject_ipv4 nf_reject_ipv6 dm-mod dm-multipath dm-round-robin
      dm-queue-length dm-service-time crc32c_generic crc32c-intel crc32_generic
      crct10dif_generic crct10dif-pclmul crc64-rocksoft virtio_blk ext4"

# A debug kernel (MPX_DEBUG=1) is keyed by its build dir too: the name of
# its release stays when its config changes.
key=$( (echo "$MPX_KREL"; [ "${MPX_DEBUG:-0}" != 1 ] || echo "$MPX_MODDIR"; busybox | sed -n 1p
	for b in $bins; do [ -e "$b" ] && ls -lL "$b"; done
	echo "$want"; sed '/^# The overlay/,$d' "$0") | sha1sum | cut -c1-12)
base=$out/base-$key.cpio.gz
if [ ! -f "$base" ]; then
	msg "building the guest base image (about 20 s)"
	find "$out" -maxdepth 1 -name 'base-*.cpio.gz' -mtime +0 -delete
	r=$(mktemp -d)
	trap 'rm -rf "$r"' EXIT
	mkdir -p "$r"/{bin,sbin,etc,proc,sys,dev,tmp,run,mnt,root,usr/bin,usr/sbin,lib/modules,etc/nvme,etc/udev/rules.d}
	cp /bin/busybox "$r/bin/busybox"
	for a in $(busybox --list); do
		[ "$a" = busybox ] || ln -sf busybox "$r/bin/$a"
	done
	for b in $bins; do
		[ -e "$b" ] || continue
		cp -L "$b" "$r/usr/bin/$(basename "$b")"
		ldd "$b" | grep -o '/[^ ]*' | while read -r l; do
			[ -e "$r$l" ] || { mkdir -p "$r$(dirname "$l")"; cp -L "$l" "$r$l"; }
		done
	done
	# Debian's static busybox shell runs its own applets before anything on
	# PATH (so "ip" would be busybox's): dash is the shell, busybox only fills
	# in the tools that are not shipped as real binaries.
	ln -sf /usr/bin/dash "$r/bin/sh"
	for k in modprobe insmod rmmod lsmod depmod modinfo; do
		ln -sf /usr/bin/kmod "$r/usr/bin/$k"
		rm -f "$r/bin/$k"
	done
	# udevd (the conf test) is udevadm called systemd-udevd; no Debian rules
	# are copied, so the only rule it runs is the one a test installs.
	[ -e /lib/systemd/systemd-udevd ] ||
		msg "udev is missing: the conf test will fail (run 'make deps': apt-get install udev)"
	command -v nvme >/dev/null || die "nvme-cli is missing: run 'make deps' (apt-get install nvme-cli)"
	command -v fio >/dev/null || die "fio is missing: run 'make deps' (apt-get install fio)"

	md=$r/lib/modules/$MPX_KREL
	mkdir -p "$md"
	cp "$MPX_MODDIR"/modules.order "$MPX_MODDIR"/modules.builtin* "$md/"
	# Dependency closure of $want, from the stock modules.dep.
	mods=$(for m in $want; do
		modprobe -S "$MPX_KREL" -d "$MPX_ROOT" --show-depends "$m" 2>/dev/null |
			sed -n 's/^insmod \([^ ]*\).*/\1/p'
	done | sort -u)
	for f in $mods; do
		rel=${f#"$MPX_ROOT"/lib/modules/"$MPX_KREL"/}
		case $rel in
		kernel/drivers/nvme/*) dst=$r/stock-nvme/${rel#kernel/drivers/nvme/} ;;
		*) dst=$md/$rel ;;
		esac
		mkdir -p "$(dirname "$dst")"
		cp "$f" "$dst"
	done
	# The stock NVMe modules that nothing above pulled in, for the yardstick.
	mkdir -p "$r/stock-nvme"
	cp -rn "$MPX_MODDIR/kernel/drivers/nvme/." "$r/stock-nvme/"
	# Decompress once here: loading is faster and needs no in-kernel xz.
	find "$md" "$r/stock-nvme" -name '*.ko.xz' -exec xz -d {} +
	(cd "$r" && find . | busybox cpio -o -H newc 2>/dev/null | gzip -1 >"$base.tmp")
	mv "$base.tmp" "$base"
	rm -rf "$r"
	trap - EXIT
fi
ln -sf "$(basename "$base")" "$out/base.cpio.gz.$$"
mv -T "$out/base.cpio.gz.$$" "$out/base.cpio.gz"

# The overlay: our modules where the stock ones were, /init and the tests.
o=$(mktemp -d)
trap 'rm -rf "$o"' EXIT
md=$o/lib/modules/$MPX_KREL/kernel/drivers/nvme
mkdir -p "$md" "$o/mpx"
cp -r "$MPX_NVME/modules/." "$md/"
# The benchmark's same-build yardstick: upstream's sources built by our
# pipeline, so that build differences and layer differences can be told apart.
if [ -n "${MPX_UPSTREAM_MODULES:-}" ]; then
	mkdir -p "$o/upstream-nvme"
	cp -r "$MPX_UPSTREAM_MODULES/." "$o/upstream-nvme/"
fi
cp "$MPX_TOP/tests/vm/init" "$o/init"
chmod +x "$o/init"
cp -r "$MPX_TOP/tests/vm/lib.sh" "$MPX_TOP/tests/vm/t" "$o/mpx/"
[ -d "$MPX_TOP/tests/vm/bench" ] && cp -r "$MPX_TOP/tests/vm/bench" "$o/mpx/"
# The admin CLI (make tools) and jq, with their libraries; install.sh.
mkdir -p "$o/usr/bin" "$o/usr/share/nvme-mpx"
[ -x "$MPX_TOP/tools/nvme-mpx" ] || die "tools/nvme-mpx is not built: run 'make tools'"
command -v jq >/dev/null || die "jq is missing: run 'make deps' (apt-get install jq)"
for b in "$MPX_TOP/tools/nvme-mpx" "$(command -v jq)"; do
	cp -L "$b" "$o/usr/bin/"
	ldd "$b" | grep -o '/[^ ]*' | while read -r l; do
		mkdir -p "$o$(dirname "$l")"
		cp -L "$l" "$o$l"
	done
done
cp "$MPX_TOP/scripts/install.sh" "$o/usr/share/nvme-mpx/install.sh" 2>/dev/null || true
cp "$MPX_TOP/udev/71-nvme-mpx.rules" "$o/usr/share/nvme-mpx/"
(cd "$o" && find . | busybox cpio -o -H newc 2>/dev/null | gzip -1 >"$out/overlay.cpio.gz.$$")
cat "$base" "$out/overlay.cpio.gz.$$" >"$initrd.$$"
mv "$out/overlay.cpio.gz.$$" "$out/overlay.cpio.gz"
mv "$initrd.$$" "$initrd"
