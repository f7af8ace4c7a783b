#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# make bench-mux, guest side. Two NVMe/TCP paths to a brd namespace.
# 1. A heartbeat writer (4 KiB to its slot every 10 ms, each read back and
#    verified) while path 1 is blackholed from 3 s in until the end: worst
#    and p99.9 latency, ours multiplexed, ours not, and Debian's stock
#    modules; order rotated per round.
# 2. The cost of hedging on a healthy pair: fio 4k randread QD16 IOPS with
#    mpx_hedge off and auto, ours only, order alternating.
# Argument: ROUNDS-SECS[-hedge] (SECS: length of each IOPS run; -hedge:
# the hedging runs alone).
. /mpx/lib.sh
arg=${1:-2-8}
rounds=${arg%%-*}
secs=${arg#*-}
only=
case $secs in *-*) only=${secs#*-}; secs=${secs%%-*} ;; esac
name=hbench

setup() {	# SET
	nvme_unload || { not_ok "bench: unload before $1"; return 1; }
	nvme_load "$1" nvme-core && nvme_load "$1" nvme-tcp && nvme_load "$1" nvmet &&
		nvme_load "$1" nvmet-tcp || { not_ok "bench: load $1 modules"; return 1; }
	tgt_setup tcp 2 $name brd 1 256 || { not_ok "bench: target"; return 1; }
	nft_setup || { not_ok "bench: nft"; return 1; }
	mp_connect tcp 2 $name || { not_ok "bench: $1: two live paths"; return 1; }
	head=$(head_of $name)
	echo round-robin >"$(subsys_of $name)/iopolicy"
}

heartbeat() {	# SET
	hb_mux "$head" "$1"
	echo "BENCH round=$round kind=hb set=$1 $(hb_run "/dev/$head" 15)"
	wait_for 90 live_paths_is "$head" 2 || not_ok "bench: $1: paths back"
	# Both paths must be usable again, not only connected.
	sleep 2
}

hedge_iops() {	# MODE
	local iops
	echo "$1" >/sys/block/$head/mpx_hedge
	iops=$(fio --name=hd --filename="/dev/$head" --ioengine=libaio --direct=1 --rw=randread \
		--bs=4k --iodepth=16 --size=128m --time_based --runtime="$secs" \
		--output-format=terse --terse-version=3 2>/dev/null | grep '^3;' | cut -d';' -f8)
	echo "BENCH round=$round kind=hedge hedge=$1 iops=${iops:-0} won=$(cut -d' ' -f4 /sys/block/$head/mpx_mux_stat) sent=$(cut -d' ' -f3 /sys/block/$head/mpx_mux_stat)"
	echo off >/sys/block/$head/mpx_hedge
}

round=1
while [ $round -le "$rounds" ]; do
	case $((round % 3)) in
	1) order="ours-mux ours-plain stock" ;;
	2) order="stock ours-mux ours-plain" ;;
	0) order="ours-plain stock ours-mux" ;;
	esac
	[ "$only" = hedge ] && order=
	for set in $order; do
		setup "${set%%-*}" || continue
		heartbeat "$set"
		mpx_cleanup
	done
	setup ours || { round=$((round + 1)); continue; }
	# Warm the path latency averages up before auto is measured.
	hedge_iops off >/dev/null
	case $((round % 2)) in
	1) hedge_iops off; hedge_iops auto ;;
	0) hedge_iops auto; hedge_iops off ;;
	esac
	mpx_cleanup
	echo "# bench: round $round of $rounds done"
	round=$((round + 1))
done
nvme_unload
ok "bench: $rounds rounds of heartbeat and hedging runs completed"
exit $MPX_FAILED
