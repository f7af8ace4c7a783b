#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# make bench-failover, guest side: how long I/O stops when a path fails,
# ours vs Debian's stock modules, same boot, order alternating per round.
# Two NVMe/TCP paths, round-robin, fio 4k randread QD16 paced at 2000 IOPS
# (so that the guest idles and the clock is not the CPU's), a fault on path
# 1 three seconds in: graceful port removal (back after 8 s), a link
# blackhole (no error, no reset; lifted after 20 s) and a controller reset.
# Per run: the longest gap between two completions from the fault on (fo_stats
# in lib.sh) and the I/Os completed while the fault lasted. Argument: ROUNDS-unused.
. /mpx/lib.sh
arg=${1:-2-0}
rounds=${arg%-*}
name=stall

one() {	# SET FAULT
	local down
	case $2 in
	portremove) down=8 ;;
	blackhole) down=20 ;;
	reset) down=0 ;;
	esac
	fault_run "/dev/$head" "$2" $down $((down + 12)) $name
	echo "BENCH round=$round set=$1 fault=$2 down_ms=$((fr_to - fr_from))" \
		"$(fo_stats /tmp/st_lat.1.log $fr_from $fr_to | sed 's/ series=.*//')"
	wait_for 60 live_paths_is "$head" 2 || not_ok "bench: $1 $2: paths back"
	rm -f /tmp/st_lat.1.log
}

round=1
while [ $round -le "$rounds" ]; do
	for set in $(bench_order $round); do
		bench_setup $set $name || continue
		echo round-robin >"$(subsys_of $name)/iopolicy"
		for fault in portremove blackhole reset; do
			one $set $fault
		done
		mpx_cleanup
	done
	echo "# bench: round $round of $rounds done"
	round=$((round + 1))
done
nvme_unload
ok "bench: $rounds rounds of failover faults completed"
exit $MPX_FAILED
