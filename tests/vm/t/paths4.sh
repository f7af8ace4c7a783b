#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Two heads of four paths each, at once: one subsystem with two namespaces on
# four ports. All eight paths come up live, nvme list-subsys shows four live
# controllers, fio verify runs on both heads together, and round-robin and
# queue-depth put I/O on every path of each head.
. /mpx/lib.sh
tr=${1:-tcp}
name=four-$tr
opts="--reconnect-delay=1 --ctrl-loss-tmo=60"
[ "$tr" = loop ] && opts=

tgt_setup "$tr" 4 "$name" brd 2 128 || { not_ok "$tr: target set-up"; exit 1; }
for p in 1 2 3 4; do
	check "$tr: connect path $p" host_connect "$tr" $p "$name" $opts
done
wait_for 10 head_of "$name" 2
h1=$(head_of "$name" 1) && h2=$(head_of "$name" 2) || { not_ok "$tr: two heads appear"; exit 1; }
ok "$tr: two heads $h1 and $h2 appear"
check "$tr: $h1 has four live paths" wait_for 15 live_paths_is "$h1" 4
check "$tr: $h2 has four live paths" wait_for 15 live_paths_is "$h2" 4
nvme list-subsys "/dev/$h1" | sed 's/^/# /'
check "$tr: nvme list-subsys shows four live paths" \
	[ "$(nvme list-subsys "/dev/$h1" | grep -c " $tr .* live")" -eq 4 ]

sub=$(subsys_of "$name")
for pol in round-robin queue-depth; do
	echo $pol >"$sub/iopolicy"
	before=
	for h in $h1 $h2; do
		for p in $(paths_of "$h"); do before="$before $p=$(path_ios "$p")"; done
	done
	# Queue-depth only spreads once depth builds: give it a deep queue,
	# and over tcp hold the replies. Where each I/O completes before the
	# next is sent, every path has depth 0 and the first wins every tie.
	# 2 ms is enough here; the debug kernel sends an I/O only every ~35 ms
	# (135, 13, 0, 0 with 2 ms), so a slow kernel gets 100 ms per MPX_SLOW
	# to keep four or more in flight.
	qd=16
	if [ $pol = queue-depth ]; then
		qd=64
		hold=2
		[ "$MPX_SLOW" -eq 1 ] || hold=$((100 * MPX_SLOW))
		[ "$tr" != tcp ] || netem_lo "sport $(port_addr tcp 1 | cut -d' ' -f2)" $hold \
			"sport $(port_addr tcp 2 | cut -d' ' -f2)" "sport $(port_addr tcp 3 | cut -d' ' -f2)" \
			"sport $(port_addr tcp 4 | cut -d' ' -f2)" || not_ok "$tr: netem on the four ports"
	fi
	fio_verify "$h1" 5 --iodepth=$qd >/tmp/f1.out 2>&1 &
	f1=$!
	fio_verify "$h2" 5 --iodepth=$qd >/tmp/f2.out 2>&1 &
	f2=$!
	io_wait $f1 40 "$h1"
	r1=$?
	io_wait $f2 40 "$h2"
	r2=$?
	[ $pol != queue-depth ] || [ "$tr" != tcp ] || netem_lo - 0
	check "$tr: $pol: fio verify on both heads at once" [ $r1 -eq 0 -a $r2 -eq 0 ]
	# Round-robin spreads evenly. Queue-depth gives ties to the first path
	# with the lowest depth (as stock does), so on a loaded host the last
	# paths see a handful of I/Os: used, not ignored, is what it must show.
	min=50
	[ $pol = round-robin ] || min=1
	idle=
	for kv in $before; do
		p=${kv%=*}
		d=$(($(path_ios "$p") - ${kv#*=}))
		diag "$pol: $p +$d"
		[ $d -ge $min ] || idle="$idle $p"
	done
	check "$tr: $pol: every one of the eight paths carried I/O${idle:+ (idle:$idle)}" [ -z "$idle" ]
done
exit $MPX_FAILED
