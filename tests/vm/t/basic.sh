#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Two paths over one transport (loop, tcp or rdma): the head and both paths
# appear, nvme list-subsys shows them live, the iopolicy switches and refuses
# garbage, fio verify passes, a port removed under fio fails over with no
# error and the path returns with the port, and round-robin uses both paths.
. /mpx/lib.sh
tr=${1:-loop}
name=basic-$tr
# loop takes no reconnect options: its controllers never reconnect.
opts="--reconnect-delay=1 --ctrl-loss-tmo=60"
[ "$tr" = loop ] && opts=

tgt_setup "$tr" 2 "$name" brd 1 256 || { not_ok "$tr: target set-up"; exit 1; }
check "$tr: connect path 1" host_connect "$tr" 1 "$name" $opts
check "$tr: connect path 2" host_connect "$tr" 2 "$name" $opts
check "$tr: the nvme-core in use is the project's build" ours_loaded
wait_for 10 head_of "$name"
head=$(head_of "$name") || { not_ok "$tr: head device appears"; exit 1; }
ok "$tr: head device $head appears"
check "$tr: $head has two live paths" wait_for 10 live_paths_is "$head" 2

nvme list-subsys "/dev/$head" | sed 's/^/# /'
check "$tr: nvme list-subsys shows two live $tr paths" \
	[ "$(nvme list-subsys "/dev/$head" | grep -c "^ *[+\\]- nvme[0-9]* $tr .* live")" -eq 2 ]

sub=$(subsys_of "$name")
for pol in round-robin queue-depth numa; do
	echo "$pol" >"$sub/iopolicy"
	check "$tr: iopolicy $pol reads back" [ "$(cat "$sub/iopolicy")" = "$pol" ]
done
for bad in bogus "" "round-robin-x" "numa numa"; do
	if echo "$bad" >"$sub/iopolicy" 2>/dev/null; then
		not_ok "$tr: iopolicy '$bad' refused"
	else
		ok "$tr: iopolicy '$bad' refused"
	fi
done
check "$tr: iopolicy unchanged after refused writes" [ "$(cat "$sub/iopolicy")" = numa ]

check "$tr: fio randrw verify on $head" fio_verify "$head" 6

# Round-robin spreads I/O over both paths.
echo round-robin >"$sub/iopolicy"
set -- $(paths_of "$head")
p1=$1 p2=$2
a1=$(path_ios "$p1") a2=$(path_ios "$p2")
fio --name=rr --filename="/dev/$head" --ioengine=libaio --direct=1 --rw=randread \
	--bs=4k --iodepth=8 --size=64m --number_ios=4000 --output-format=terse >/dev/null
d1=$(($(path_ios "$p1") - a1)) d2=$(($(path_ios "$p2") - a2))
diag "round-robin: $p1 +$d1, $p2 +$d2 I/Os"
min=$d1
[ "$d2" -lt "$min" ] && min=$d2
check "$tr: round-robin sends at least 30% of 4000 reads down each path" [ "$min" -ge 1200 ]

# Remove port 2 under fio verify: no error, I/O goes on, the path returns.
fio_verify "$head" 14 >/tmp/fio-fail.out 2>&1 &
fpid=$!
wait_for 10 ios_above "$p2" $((a2 + d2 + 100))
port_unlink 2 "$name"
check "$tr: path 2 leaves live state after its port is removed" \
	wait_for 15 live_paths_below "$head" 2
b1=$(path_ios "$p1")
check "$tr: I/O continues on path 1" wait_for 10 ios_above "$p1" $((b1 + 200))
port_link 2 "$name"
# The loop transport deletes the controller with its port: reconnect by hand.
[ "$tr" = loop ] && host_connect "$tr" 2 "$name" $opts
check "$tr: path 2 live again after its port returns" wait_for 20 live_paths_is "$head" 2
io_wait $fpid 60 "$head"
rc=$?
[ $rc -eq 0 ] || sed 's/^/# /' /tmp/fio-fail.out
check "$tr: fio verify across the port removal succeeds" [ $rc -eq 0 ]
exit $MPX_FAILED
