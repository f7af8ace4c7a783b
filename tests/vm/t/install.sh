#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# scripts/install.sh as an admin runs it, and the boots after it. The suite
# marks this test "disk": run.sh gives it a fresh blank virtio disk and boots
# it up to three times (mpx.boot=N, see init).
#  1. In the initramfs: make an ext2 file system on the disk and put on it a
#     system laid out like an installed Debian one (the guest's userland, and
#     its module tree with Debian's own NVMe modules under kernel/), install
#     with install.sh -d onto it; depmod must resolve every NVMe module to
#     updates/nvme-mpx. Reboot with mpx.root=/dev/vda.
#  2. Root on the disk (init switch_roots into it; depmod is not run): plain
#     modprobe must load ours from updates/nvme-mpx (srcversion of the
#     running nvme-core = the installed file's, not Debian's), a head appears
#     with our attributes and carries verified I/O. Then install.sh uninstall
#     on the running system: the tree is byte for byte what it was before
#     install. Reboot.
#  3. Root on the disk again: modprobe loads Debian's modules (no mpx
#     attributes on the head), the tree is still the one from before install,
#     a second uninstall fails and an install without modules is refused.
. /mpx/lib.sh
tr=${1:-loop}
name=install-$tr
kr=$(uname -r)
I=/usr/share/nvme-mpx/install.sh
D=/dev/vda
# The test's own state on the disk, kept out of the snapshots.
ST=var/lib/mpx-test
ours=/lib/modules/$kr/kernel/drivers/nvme
boot=$(mpx_arg mpx.boot 1)
P="$tr: boot $boot:"
# Not the disk's root: nothing the test runs (fio) leaves files in the tree.
cd /tmp || exit 1

# must DESC CMD...: like check, but the test cannot go on without it.
must() {
	local d=$1
	shift
	if "$@"; then ok "$d"; else not_ok "$d"; exit 1; fi
}
# snapshot ROOT: every name in the file system at ROOT and every file's hash.
snapshot() {
	(cd "$1" && find . -xdev -path ./$ST -prune -o -print | sort &&
		find . -xdev -path ./$ST -prune -o -type f -print | sort | xargs sha1sum)
}
# resolves MODULE [ROOT]: the file modprobe would load MODULE from, relative
# to ROOT's /lib/modules/KREL.
resolves() {
	modprobe -d "${2:-/}" -S "$kr" --show-depends "$1" |
		sed -n '$s|^insmod \([^ ]*\).*|\1|p' | sed "s|^.*/lib/modules/$kr/||"
}
srcv() { modinfo -F srcversion "$1"; }
not() { ! "$@"; }
running() { cat "/sys/module/$1/srcversion" 2>/dev/null; }
# built_as MOD FILE: the loaded module MOD is the build in FILE: FILE holds
# its build ID. Only nvme-core has a srcversion (MODULE_VERSION), and the
# target modules' sources are upstream's, so nothing else tells two builds
# apart. The ID is looked for in FILE's note sections only, found from the
# ELF section headers: where the note lies depends on the build (past 512
# KiB in a KASAN nvme-core), and hex dumping a whole module is slow under
# emulation. The guest has busybox, not readelf.
le() { od -An -v -j "$2" -N "$3" -tu"$3" "$1" 2>/dev/null | tr -d ' '; }
built_as() {
	local id shoff n i h
	id=$(tail -c 20 "/sys/module/$1/notes/.note.gnu.build-id" 2>/dev/null | od -An -tx1 -v | tr -d ' \n')
	[ ${#id} -eq 40 ] || return 1
	shoff=$(le "$2" 40 8) n=$(le "$2" 60 2)
	[ -n "$shoff" ] && [ -n "$n" ] || return 1
	for i in $(seq 0 $((n - 1))); do
		h=$((shoff + i * 64))
		[ "$(le "$2" $((h + 4)) 4)" = 7 ] || continue	# SHT_NOTE
		od -An -tx1 -v -j "$(le "$2" $((h + 24)) 8)" -N "$(le "$2" $((h + 32)) 8)" "$2" |
			tr -d ' \n' | grep -qF "$id" && return 0
	done
	return 1
}
# on_disk: the root file system is the disk, as boot 1 left it.
on_disk() {
	[ "$(awk '$2 == "/" { d = $1 } END { print d }' /proc/mounts)" = $D ] &&
		[ -f /$ST/tree.before ]
}

# ---- boot 1: a Debian-like system on the disk, install onto it ---------------
boot1() {
	local R=/mnt/disk M rc n
	M=$R/lib/modules/$kr
	must "$P install.sh is in the guest image" [ -f $I ]
	must "$P unload the NVMe modules first" nvme_unload
	modprobe virtio_blk
	must "$P the disk $D is there" wait_for 10 test -b $D
	must "$P an ext2 file system on $D" sh -c "mke2fs -F -L mpx-root $D >/tmp/mkfs.out 2>&1"
	mkdir -p $R
	must "$P mount it" sh -c "modprobe ext4 && mount -t ext4 $D $R"
	trap 'umount /mnt/disk 2>/dev/null' EXIT
	diag "copying the guest's userland and module tree to $D"
	cp -a /bin /sbin /etc /usr /lib /lib64 /root /mpx /init $R/ &&
		mkdir -p $R/proc $R/sys $R/dev $R/tmp $R/run $R/mnt $R/$ST &&
		rm -f $R/usr/bin/nvme-mpx &&
		rm -rf "$M/kernel/drivers/nvme" && cp -a /stock-nvme "$M/kernel/drivers/nvme" &&
		depmod -b $R "$kr"
	must "$P the disk holds a system with Debian's NVMe modules" [ $? -eq 0 ]
	snapshot $R >$R/$ST/tree.before
	check "$P before install, nvme-core resolves to Debian's ($(resolves nvme-core $R))" \
		[ "$(resolves nvme-core $R)" = kernel/drivers/nvme/host/nvme-core.ko ]

	sh $I -d $R -k "$kr" -m $ours -t /usr/bin/nvme-mpx install >/tmp/inst.out 2>&1
	rc=$?
	sed 's/^/# /' /tmp/inst.out
	check "$P install exits 0" [ $rc -eq 0 ]
	n=$(ls "$M/updates/nvme-mpx/"*.ko 2>/dev/null | wc -l)
	check "$P all $(find $ours -name '*.ko' | wc -l) modules in updates/nvme-mpx ($n)" \
		[ "$n" -eq "$(find $ours -name '*.ko' | wc -l)" ]
	check "$P the CLI is in /usr/local/sbin" [ -x $R/usr/local/sbin/nvme-mpx ]
	check "$P Debian's modules untouched" \
		sh -c "(cd $R && find ./lib/modules/$kr/kernel/drivers/nvme -type f | sort | xargs sha1sum) >/tmp/s1;
		       grep ' ./lib/modules/$kr/kernel/drivers/nvme/' $R/$ST/tree.before >/tmp/s0; cmp -s /tmp/s0 /tmp/s1"
	for m in nvme-core nvme-tcp nvme-loop nvmet nvmet-tcp; do
		check "$P $m resolves to updates/nvme-mpx ($(resolves $m $R))" \
			[ "$(resolves $m $R)" = "updates/nvme-mpx/$m.ko" ]
	done
	check "$P every NVMe dependency of nvme-tcp comes from updates/" \
		sh -c "! modprobe -d $R -S $kr --show-depends nvme-tcp | grep -q 'kernel/drivers/nvme/'"
	sync
	must "$P the disk unmounts cleanly" umount $R
	trap - EXIT
	mpx_reboot mpx.root=$D
}

# ---- boot 2: root on the disk, our modules through plain modprobe ------------
boot2() {
	local M=/lib/modules/$kr h rc m f
	must "$P the root is $D as boot 1 left it" on_disk
	diag "root: $(awk '$2 == "/"' /proc/mounts | tail -n 1)"
	check "$P no NVMe module is loaded before the test loads them" [ ! -d /sys/module/nvme_core ]
	for m in nvme-loop nvmet; do
		modprobe $m || not_ok "$P modprobe $m"
	done
	check "$P modprobe took nvme-core from updates/nvme-mpx ($(modinfo -F filename nvme-core))" \
		[ "$(modinfo -F filename nvme-core)" = "$M/updates/nvme-mpx/nvme-core.ko" ]
	check "$P the running nvme-core is the installed one (srcversion)" \
		[ "$(running nvme_core)" = "$(srcv "$M/updates/nvme-mpx/nvme-core.ko")" ]
	check "$P ... and not Debian's" \
		[ "$(running nvme_core)" != "$(srcv "$M/kernel/drivers/nvme/host/nvme-core.ko")" ]
	for m in nvme_core nvmet nvme_loop; do
		f=$(echo $m | tr _ -).ko
		check "$P the running $m is the installed build (build ID)" built_as $m "$M/updates/nvme-mpx/$f"
	done
	check "$P ... and nvmet is not Debian's" not built_as nvmet "$M/kernel/drivers/nvme/target/nvmet.ko"
	tgt_setup "$tr" 2 "$name" brd 1 64 && mp_connect "$tr" 2 "$name"
	h=$(head_of "$name")
	check "$P a head with two paths over the installed modules" [ -n "$h" -a "$(npaths "$h")" -eq 2 ]
	check "$P the head has our per-head policy attribute" [ -e "/sys/block/$h/mpx_iopolicy" ]
	check "$P the installed CLI shows it" sh -c "/usr/local/sbin/nvme-mpx show $h | grep -q '^  $h '"
	fio_verify "$h" 3 >/tmp/inst-fio.out 2>&1
	check "$P fio verify on the head" [ $? -eq 0 ]
	nvme_unload || not_ok "$P unload the installed modules"

	sh $I -k "$kr" uninstall >/tmp/inst.out 2>&1
	rc=$?
	sed 's/^/# /' /tmp/inst.out
	check "$P uninstall exits 0" [ $rc -eq 0 ]
	snapshot / >/tmp/tree.after
	check "$P the tree is byte for byte what it was before install" cmp -s /$ST/tree.before /tmp/tree.after
	cmp -s /$ST/tree.before /tmp/tree.after || diff /$ST/tree.before /tmp/tree.after | head -n 20 | sed 's/^/# /'
	check "$P nvme-core resolves to Debian's again ($(resolves nvme-core))" \
		[ "$(resolves nvme-core)" = kernel/drivers/nvme/host/nvme-core.ko ]
	sync
	mpx_reboot mpx.root=$D
}

# ---- boot 3: root on the disk, Debian's modules again -------------------------
boot3() {
	local M=/lib/modules/$kr h m r=0
	must "$P the root is $D as boot 2 left it" on_disk
	check "$P updates/nvme-mpx is gone" [ ! -e "$M/updates/nvme-mpx" ]
	for m in nvme-loop nvmet; do
		modprobe $m || not_ok "$P modprobe $m"
	done
	check "$P modprobe loads Debian's nvme-core (srcversion)" \
		[ "$(running nvme_core)" = "$(srcv "$M/kernel/drivers/nvme/host/nvme-core.ko")" ]
	check "$P ... and Debian's nvmet (build ID)" built_as nvmet "$M/kernel/drivers/nvme/target/nvmet.ko"
	tgt_setup "$tr" 1 "$name" brd 1 64 && mp_connect "$tr" 1 "$name"
	h=$(head_of "$name")
	check "$P a head over Debian's modules, without our attributes" \
		[ -n "$h" -a ! -e "/sys/block/$h/mpx_iopolicy" ]
	nvme_unload || not_ok "$P unload Debian's modules"
	snapshot / >/tmp/tree.after
	check "$P the tree is still what it was before install" cmp -s /$ST/tree.before /tmp/tree.after
	sh $I -k "$kr" uninstall >/dev/null 2>&1 || r=$?
	check "$P a second uninstall finds nothing and fails ($r)" [ $r -ne 0 ]
	check "$P install without modules is refused" \
		sh -c "! sh $I -k $kr -m /tmp/empty-nowhere install 2>/dev/null"
	snapshot / >/tmp/tree.after
	check "$P ... and changes nothing" cmp -s /$ST/tree.before /tmp/tree.after
}

case $boot in
1) boot1 ;;
2) boot2 ;;
3) boot3 ;;
*) not_ok "$tr: no boot $boot" ;;
esac
exit $MPX_FAILED
