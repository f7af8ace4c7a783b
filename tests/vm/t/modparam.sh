#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# nvme_core module parameters of the multipath layer: iopolicy= sets the
# policy new subsystems start with and refuses unknown names at load time;
# multipath=N gives plain per-controller namespaces and no head.
. /mpx/lib.sh
name=mp-loop

setup() {
	tgt_setup loop 2 "$name" brd 1 64 &&
		host_connect loop 1 "$name" && host_connect loop 2 "$name"
}
nvme_unload || { not_ok "unload before the test"; exit 1; }
if nvme_load ours nvme-core iopolicy=bogus 2>/dev/null; then
	not_ok "iopolicy=bogus refused at load"
	nvme_unload
else
	ok "iopolicy=bogus refused at load"
fi
check "load with iopolicy=round-robin" nvme_load ours nvme-core iopolicy=round-robin
check "iopolicy parameter reads back round-robin" \
	[ "$(cat /sys/module/nvme_core/parameters/iopolicy)" = round-robin ]
nvme_load ours nvme-loop && nvme_load ours nvmet
setup || not_ok "set-up with iopolicy=round-robin"
wait_for 10 head_of "$name"
check "a new subsystem starts with round-robin" \
	[ "$(cat "$(subsys_of "$name")/iopolicy")" = round-robin ]
head=$(head_of "$name")
check "its head inherits it" [ "$(cat "/sys/block/$head/mpx_iopolicy")" = "round-robin (inherited)" ]
if echo bogus >/sys/module/nvme_core/parameters/iopolicy 2>/dev/null; then
	not_ok "runtime iopolicy=bogus refused"
else
	ok "runtime iopolicy=bogus refused"
fi
check "iopolicy parameter unchanged" [ "$(cat /sys/module/nvme_core/parameters/iopolicy)" = round-robin ]

nvme_unload || not_ok "unload"
check "load with multipath=N" nvme_load ours nvme-core multipath=N
nvme_load ours nvme-loop && nvme_load ours nvmet
setup || not_ok "set-up with multipath=N"
check "multipath=N: two plain namespaces" wait_for 10 sh -c "[ -b /dev/nvme0n1 ] && [ -b /dev/nvme1n1 ]"
check "multipath=N: no hidden path devices" sh -c "! ls /sys/block | grep -q 'nvme[0-9]*c[0-9]*n'"
check "multipath=N: fio verify on a plain namespace" fio_verify nvme0n1 3 --size=16m
nvme_unload
exit $MPX_FAILED
