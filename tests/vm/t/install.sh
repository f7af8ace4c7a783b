#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# scripts/install.sh as an admin runs it, into a scratch module tree laid out
# like an installed Debian kernel (its own NVMe modules under kernel/): after
# install, depmod resolves every NVMe module to updates/nvme-mpx and
# modprobe really loads ours from there (srcversion of the running
# nvme-core = the installed file's, not Debian's), a head appears with our
# attributes and carries verified I/O; after uninstall the tree is byte for
# byte what it was and modprobe loads Debian's modules again.
# The guest has no disk, so there is no second boot: loading through
# modprobe from the installed tree is the strongest check available here.
. /mpx/lib.sh
tr=${1:-loop}
name=install-$tr
kr=$(uname -r)
I=/usr/share/nvme-mpx/install.sh
R=/tmp/root
M=$R/lib/modules/$kr
ours=/lib/modules/$kr/kernel/drivers/nvme

[ -f $I ] || { not_ok "$tr: install.sh is in the guest image"; exit 1; }
nvme_unload || { not_ok "$tr: unload the NVMe modules first"; exit 1; }

# A Debian-like tree: the image's modules, with Debian's NVMe ones in place.
diag "copying the module tree to $R"
mkdir -p "$M"
cp -a "/lib/modules/$kr/." "$M/"
rm -rf "$M/kernel/drivers/nvme"
cp -a /stock-nvme "$M/kernel/drivers/nvme"
depmod -b $R "$kr" || { not_ok "$tr: depmod of the scratch tree"; exit 1; }
snapshot() { (cd $R && find . | sort && find . -type f | sort | xargs sha1sum); }
snapshot >/tmp/tree.before
# resolves MODULE: the file modprobe would load MODULE from, relative to $M.
resolves() {
	modprobe -d $R -S "$kr" --show-depends "$1" | sed -n '$s|^insmod \([^ ]*\).*|\1|p' |
		sed "s|^$M/||"
}
srcv() { modinfo -F srcversion "$1"; }
check "$tr: before install, nvme-core resolves to Debian's ($(resolves nvme-core))" \
	[ "$(resolves nvme-core)" = kernel/drivers/nvme/host/nvme-core.ko ]

# ---- install -------------------------------------------------------------------
sh $I -d $R -k "$kr" -m $ours -t /usr/bin/nvme-mpx install >/tmp/inst.out 2>&1
rc=$?
sed 's/^/# /' /tmp/inst.out
check "$tr: install exits 0" [ $rc -eq 0 ]
n=$(ls "$M/updates/nvme-mpx/"*.ko 2>/dev/null | wc -l)
check "$tr: all $(find $ours -name '*.ko' | wc -l) modules in updates/nvme-mpx ($n)" \
	[ "$n" -eq "$(find $ours -name '*.ko' | wc -l)" ]
check "$tr: the CLI is in /usr/local/sbin" [ -x $R/usr/local/sbin/nvme-mpx ]
check "$tr: Debian's modules untouched" \
	sh -c "(cd $R && find ./lib/modules/$kr/kernel/drivers/nvme -type f | sort | xargs sha1sum) >/tmp/s1;
	       grep ' ./lib/modules/$kr/kernel/drivers/nvme/' /tmp/tree.before >/tmp/s0; cmp -s /tmp/s0 /tmp/s1"
for m in nvme-core nvme-tcp nvme-loop nvmet nvmet-tcp; do
	check "$tr: $m resolves to updates/nvme-mpx ($(resolves $m))" \
		[ "$(resolves $m)" = "updates/nvme-mpx/$m.ko" ]
done
check "$tr: every NVMe dependency of nvme-tcp comes from updates/" \
	sh -c "! modprobe -d $R -S $kr --show-depends nvme-tcp | grep -q 'kernel/drivers/nvme/'"

# ---- load from the installed tree --------------------------------------------
for m in nvme-loop nvmet-tcp nvme-tcp; do
	modprobe -d $R -S "$kr" $m || not_ok "$tr: modprobe -d $R $m"
done
check "$tr: the running nvme-core is the installed one (srcversion)" \
	[ "$(cat /sys/module/nvme_core/srcversion)" = "$(srcv "$M/updates/nvme-mpx/nvme-core.ko")" ]
check "$tr: ... and not Debian's" \
	[ "$(cat /sys/module/nvme_core/srcversion)" != "$(srcv /stock-nvme/host/nvme-core.ko)" ]
check "$tr: the running nvmet is the installed one" \
	[ "$(cat /sys/module/nvmet/srcversion)" = "$(srcv "$M/updates/nvme-mpx/nvmet.ko")" ]
tgt_setup "$tr" 2 "$name" brd 1 64 && mp_connect "$tr" 2 "$name"
h=$(head_of "$name")
check "$tr: a head with two paths over the installed modules" [ -n "$h" -a "$(npaths "$h")" -eq 2 ]
check "$tr: the head has our per-head policy attribute" [ -e "/sys/block/$h/mpx_iopolicy" ]
check "$tr: the installed CLI shows it" sh -c "$R/usr/local/sbin/nvme-mpx show $h | grep -q '^  $h '"
fio_verify "$h" 3 >/tmp/inst-fio.out 2>&1
check "$tr: fio verify on the head" [ $? -eq 0 ]
nvme_unload || not_ok "$tr: unload the installed modules"

# ---- uninstall -----------------------------------------------------------------
sh $I -d $R -k "$kr" uninstall >/tmp/inst.out 2>&1
rc=$?
sed 's/^/# /' /tmp/inst.out
check "$tr: uninstall exits 0" [ $rc -eq 0 ]
snapshot >/tmp/tree.after
check "$tr: the tree is byte for byte what it was before install" cmp -s /tmp/tree.before /tmp/tree.after
cmp -s /tmp/tree.before /tmp/tree.after || diff /tmp/tree.before /tmp/tree.after | head -n 20 | sed 's/^/# /'
check "$tr: nvme-core resolves to Debian's again" \
	[ "$(resolves nvme-core)" = kernel/drivers/nvme/host/nvme-core.ko ]
modprobe -d $R -S "$kr" nvme-core
check "$tr: modprobe now loads Debian's nvme-core" \
	[ "$(cat /sys/module/nvme_core/srcversion 2>/dev/null)" = "$(srcv /stock-nvme/host/nvme-core.ko)" ]
r=0
sh $I -d $R -k "$kr" uninstall >/dev/null 2>&1 || r=$?
check "$tr: a second uninstall finds nothing and fails ($r)" [ $r -ne 0 ]
check "$tr: install without modules is refused" \
	sh -c "! sh $I -d $R -k $kr -m /tmp/empty-nowhere install 2>/dev/null && cmp -s /tmp/tree.before /tmp/tree.after"
nvme_unload
rm -rf $R
exit $MPX_FAILED
