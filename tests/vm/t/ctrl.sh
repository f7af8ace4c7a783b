#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Controller life cycle: a reset under fio verify; a namespace grown on the
# target shows its new size on the head; a namespace disabled on the target
# takes its head away and comes back when re-enabled; finally every
# controller is disconnected and all NVMe modules unload cleanly.
. /mpx/lib.sh
tr=${1:-tcp}
name=ctrl-$tr

tgt_transport "$tr" || { not_ok "$tr: transport"; exit 1; }
# A file-backed namespace can be resized.
truncate -s 64M /tmp/ns1.img
tgt_subsys "$name" /tmp/ns1.img || { not_ok "$tr: subsystem"; exit 1; }
tgt_port "$tr" 1 && tgt_port "$tr" 2 && port_link 1 "$name" && port_link 2 "$name"
mp_connect "$tr" 2 "$name" || { not_ok "$tr: a head with two live paths"; exit 1; }
head=$(head_of "$name")
set -- $(paths_of "$head")
c1=$(ctrl_of "$1")

# Reset one controller under I/O.
fio_verify "$head" 10 --size=32m >/tmp/ctrl-fio.out 2>&1 &
fpid=$!
wait_for 10 ios_above "$1" 200
echo 1 >"/sys/class/nvme/$c1/reset_controller"
check "$tr: $c1 live again after reset" wait_for 20 live_paths_is "$head" 2
io_wait $fpid 60 "$head"
rc=$?
[ $rc -eq 0 ] || sed 's/^/# /' /tmp/ctrl-fio.out | tail -n 20
check "$tr: fio verify across a controller reset" [ $rc -eq 0 ]

# Grow the namespace.
size_is() { [ "$(cat "/sys/block/$1/size")" -eq "$2" ]; }
check "$tr: head size 64 MiB" size_is "$head" 131072
truncate -s 96M /tmp/ns1.img
echo 1 >"$CFS/subsystems/$NQN_BASE:$name/namespaces/1/revalidate_size"
check "$tr: head grows to 96 MiB" wait_for 15 size_is "$head" 196608
for p in $(paths_of "$head"); do
	check "$tr: path $p grows to 96 MiB" wait_for 15 size_is "$p" 196608
done

# Disable the namespace: the head goes; enable it: the head returns.
gone() { [ ! -e "/sys/block/$1" ]; }
echo 0 >"$CFS/subsystems/$NQN_BASE:$name/namespaces/1/enable"
check "$tr: head removed with its namespace" wait_for 20 gone "$head"
echo 1 >"$CFS/subsystems/$NQN_BASE:$name/namespaces/1/enable"
check "$tr: head back with its namespace" wait_for 20 any_head_of "$name"
head=$(any_head_of "$name")
diag "the returned head is $head"
check "$tr: both paths back" wait_for 20 live_paths_is "$head" 2
check "$tr: fio verify on the returned head" fio_verify "$head" 3 --size=32m

# Disconnect all and unload every NVMe module: nothing may hold them.
nvme disconnect-all >/dev/null
check "$tr: no controller left" wait_for 10 sh -c "! ls /sys/class/nvme | grep -q ."
check "$tr: no subsystem left" wait_for 10 sh -c "! ls /sys/class/nvme-subsystem | grep -q ."
check "$tr: all NVMe modules unload" nvme_unload
check "$tr: nvme_core is gone" [ ! -d /sys/module/nvme_core ]
exit $MPX_FAILED
