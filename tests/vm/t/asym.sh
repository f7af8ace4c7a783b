#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# make bench-paths, guest side: two NVMe/TCP paths to a null_blk namespace,
# the second slowed by netem (target-to-host direction only, +5 ms and
# +30 ms). Per policy: fio 4k randread at QD32 and QD1 and 128k sequential
# read at QD8; IOPS, p99 and worst completion latency. Ours: numa,
# round-robin, queue-depth, service-time, and the fast path alone (slow path
# failed through mpx_state); Debian's stock modules: queue-depth. Then the
# cost on symmetric paths: service-time vs round-robin, no delay.
# Every round alternates the order of the module sets.
# One "BENCH key=value..." line per run. Argument: ROUNDS-SECONDS.
. /mpx/lib.sh
arg=${1:-3-4}
rounds=${arg%-*} secs=${arg#*-}
name=asym

# Terse v3: 8 read IOPS, 7 read KiB/s, 30 clat p99 ("99.000000%=usec"),
# 39 total latency max (usec).
run_fio() {	# DEV RW BS QD
	fio --name=b --filename="/dev/$1" --ioengine=libaio --direct=1 --rw="$2" --bs="$3" \
		--iodepth="$4" --size=1g --time_based --runtime="$secs" --ramp_time=1 \
		--output-format=terse --terse-version=3 |
		awk -F';' '/^3;/ { sub(/.*=/, "", $30); printf "iops=%s kbps=%s p99=%s max=%s\n", $8, $7, $30, $39 }'
}

runs() {	# SET CONFIG DELAY
	local wl rw bs qd r
	for wl in randread-4k-32 randread-4k-1 read-128k-8; do
		rw=${wl%%-*} bs=${wl#*-} qd=${bs#*-} bs=${bs%-*}
		r=$(run_fio "$head" "$rw" "$bs" "$qd")
		[ -n "$r" ] || { not_ok "bench: fio $1 $2 $wl"; continue; }
		echo "BENCH round=$round set=$1 config=$2 delay=$3 workload=$wl $r"
	done
}

round=1
while [ $round -le "$rounds" ]; do
	for set in $(bench_order $round); do
		bench_setup $set $name || continue
		slow=$(paths_of "$head" | tail -n 1)
		for d in 30 5; do
			netem_lo "sport 4421" $d || { not_ok "bench: netem $d ms"; continue; }
			if [ $set = ours ]; then
				for pol in numa round-robin queue-depth service-time; do
					echo $pol >"/sys/block/$head/mpx_iopolicy"
					runs ours $pol $d
				done
				echo fail >"/sys/block/$slow/mpx_state"
				runs ours fast-alone $d
				echo reinstate >"/sys/block/$slow/mpx_state"
			else
				echo queue-depth >"$(subsys_of $name)/iopolicy"
				runs stock queue-depth $d
			fi
		done
		netem_lo "sport 4421" 0
		if [ $set = ours ]; then
			for pol in round-robin service-time; do
				echo $pol >"/sys/block/$head/mpx_iopolicy"
				r=$(run_fio "$head" randread 4k 32)
				echo "BENCH round=$round set=ours config=$pol delay=0 workload=randread-4k-32 $r"
			done
		fi
		mpx_cleanup
	done
	echo "# bench: round $round of $rounds done"
	round=$((round + 1))
done
nvme_unload
ok "bench: $rounds rounds of asymmetric paths completed"
exit $MPX_FAILED
