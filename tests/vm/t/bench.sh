#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# make bench, guest side: our modules against Debian's stock ones and against
# upstream's sources built by our pipeline, in the same boot, rotating the
# order every round. nvmet loop over null_blk; the head
# with two paths (numa and round-robin) and one path with multipath=N for the
# cost of the layer itself. One "BENCH key=value..." line per run.
# Argument: ROUNDS-SECONDS (e.g. 3-8).
. /mpx/lib.sh
arg=${1:-3-8}
rounds=${arg%-*} secs=${arg#*-}

run_fio() {	# DEV RW BS
	fio --name=b --filename="/dev/$1" --ioengine=libaio --direct=1 --rw="$2" --bs="$3" \
		--iodepth=32 --size=1g --time_based --runtime="$secs" --ramp_time=1 \
		--output-format=terse --terse-version=3
}

one() {	# SET CONFIG
	local set=$1 cfg=$2 mp=Y np=2 pol=numa head r wl rw bs
	case $cfg in
	single) mp=N np=1 ;;
	mp2-rr) pol=round-robin ;;
	esac
	nvme_unload || { not_ok "bench: unload before $set $cfg"; return 1; }
	nvme_load "$set" nvme-core multipath=$mp && nvme_load "$set" nvme-loop &&
		nvme_load "$set" nvmet || { not_ok "bench: load $set modules"; return 1; }
	tgt_setup loop $np bench null 1 1024 || { not_ok "bench: target"; return 1; }
	host_connect loop 1 bench && { [ $np -eq 1 ] || host_connect loop 2 bench; } ||
		{ not_ok "bench: connect"; return 1; }
	if [ $mp = Y ]; then
		wait_for 10 head_of bench && head=$(head_of bench)
		wait_for 10 live_paths_is "$head" $np || { not_ok "bench: paths live"; return 1; }
		echo $pol >"$(subsys_of bench)/iopolicy"
	else
		wait_for 10 [ -b /dev/nvme0n1 ]
		head=nvme0n1
	fi
	for wl in randread-4k read-128k; do
		[ $cfg = mp2-rr ] && [ $wl = read-128k ] && continue
		rw=${wl%-*} bs=${wl#*-}
		r=$(run_fio "$head" "$rw" "$bs") || { not_ok "bench: fio $set $cfg $wl"; continue; }
		echo "BENCH round=$round set=$set config=$cfg workload=$wl" \
			"iops=$(echo "$r" | cut -d';' -f8) kbps=$(echo "$r" | cut -d';' -f7)"
	done
}

round=1
while [ $round -le "$rounds" ]; do
	sets="ours stock"
	[ -d /upstream-nvme ] && sets="ours stock upstream"
	case $((round % 3)) in
	1) order=$sets ;;
	2) order=$(echo $sets | awk '{for (i = NF; i > 0; i--) printf "%s ", $i}') ;;
	0) order=$(echo $sets | awk '{printf "%s ", $NF; for (i = 1; i < NF; i++) printf "%s ", $i}') ;;
	esac
	for cfg in mp2-numa mp2-rr single; do
		for set in $order; do
			one $set $cfg
		done
	done
	echo "# bench: round $round of $rounds done"
	round=$((round + 1))
done
nvme_unload
ok "bench: $rounds rounds completed"
exit $MPX_FAILED
