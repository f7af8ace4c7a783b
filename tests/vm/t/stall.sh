#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# make bench-failover, guest side: how long I/O stops when a path fails,
# ours vs Debian's stock modules, same boot, order alternating per round.
# Two NVMe/TCP paths, round-robin, fio 4k randread QD16 paced at 2000 IOPS
# (so that the guest idles and the clock is not the CPU's), a fault on path
# 1 three seconds in: graceful port removal (back after 8 s), a link
# blackhole (no error, no reset; lifted after 20 s) and a controller reset.
# Per run: the longest gap between two completions and the I/Os completed
# while the fault lasted. Argument: ROUNDS-unused.
. /mpx/lib.sh
arg=${1:-2-0}
rounds=${arg%-*}
name=stall


# gap_and_count LOG FROM_MS TO_MS: longest completion gap overall, and the
# completions between FROM and TO (fio's clock: ms since the job started).
gap_and_count() {
	cut -d, -f1 "$1" | sort -n | awk -v f="$2" -v t="$3" '
		NR > 1 && $1 - p > g { g = $1 - p }
		{ p = $1 } $1 >= f && $1 < t { n++ }
		END { printf "gap=%d during=%d\n", g, n }'
}

one() {	# SET FAULT
	local down runtime t0 f0 f1 r
	case $2 in
	portremove) down=8 ;;
	blackhole) down=20 ;;
	reset) down=0 ;;
	esac
	runtime=$((down + 12))
	fio --name=st --filename="/dev/$head" --ioengine=libaio --direct=1 --rw=randread --bs=4k \
		--iodepth=16 --rate_iops=2000 --size=512m --time_based --runtime=$runtime \
		--write_lat_log=/tmp/st --log_avg_msec=0 >/tmp/st.out 2>&1 &
	fpid=$!
	t0=$(now_ms)
	sleep 3
	f0=$(($(now_ms) - t0))
	case $2 in
	portremove) port_unlink 1 $name ;;
	blackhole) blackhole tcp 1 ;;
	reset) echo 1 >"/sys/class/nvme/$(ctrl_of "$(paths_of "$head" | head -n 1)")/reset_controller" ;;
	esac
	[ $down -gt 0 ] && sleep $down	# the fault lasts this long
	case $2 in
	portremove) port_link 1 $name ;;
	blackhole) unblackhole ;;
	esac
	f1=$(($(now_ms) - t0))
	[ $down -gt 0 ] || f1=$((f0 + 2000))
	wait $fpid
	r=$(gap_and_count /tmp/st_lat.1.log $f0 $f1)
	echo "BENCH round=$round set=$1 fault=$2 down_ms=$((f1 - f0)) $r"
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
