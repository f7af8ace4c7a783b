#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# make bench, guest side: our layer against two yardsticks in the same boot,
# Debian's stock native multipath and dm-multipath. One scenario per call,
# the module sets rotated every round, one "BENCH sc=SCENARIO ..." line per
# measurement (tests/bench/report_bench.py turns them into the report).
#
#   ours      our nvme-core (multipath=Y) and its fabrics/target modules
#   stock     Debian's own modules, native multipath (multipath=Y)
#   upstream  upstream's sources built by our pipeline (overhead only, when
#             the host put them in the image)
#   dm        Debian's modules with multipath=N (per-controller disks, no
#             native head at all) and a dm-multipath map over the disks of
#             each namespace (dm-mod, dm-multipath and the selectors are
#             Debian's too). Stock rather than ours with multipath=N: dm is
#             meant as what a user gets without our project; the overhead
#             scenario's "single" config measures ours and stock with
#             multipath=N side by side, so the choice is visible there.
#
# Scenarios (argument SCENARIO-ROUNDS-SECS[-q]: SECS is fio's runtime of a
# throughput run, in seconds or as 500ms; -q: the quick subset, 200 ms of
# ramp instead of 1 s):
#   overhead  nvme-loop over null_blk: 4k randread QD32 and 128k read QD32,
#             1 and 2 jobs; configs single (one path, multipath=N), mp1 (a
#             head or map over one path), mp2-numa, mp2-rr (two paths).
#   scale     nvme-loop over null_blk: 1, 2, 4, 8 paths to one namespace and
#             4, 16, 64 namespaces (heads) on two paths (quick: 1, 2, 8
#             paths and 16 heads): connect time (first
#             connect until every head has all its paths, or every map is
#             made), 4k randread QD32 over all heads, tear-down time.
#   asym      two NVMe/TCP paths, one slowed by netem: IOPS, p99 and worst
#             latency per policy (ours, stock's three, dm's three selectors).
#   failover  two NVMe/TCP paths, fio paced at 2000 IOPS, a fault on path 1
#             3 s in (port removal, blackhole, controller reset): the
#             longest completion gap, I/Os done while it lasted, and a
#             100 ms series of completions and worst latency for the plots.
#   hb        a 4 KiB write+verify heartbeat every 10 ms on two NVMe/TCP
#             paths over brd, path 1 blackholed from 3 s: worst and p99.9
#             latency (ours multiplexed and not, stock, dm).
# dm has no multipathd here: it fails a path on an I/O error only, and
# dm_checker (lib.sh) reinstates it once its controller is live; it runs in
# the failover and heartbeat scenarios, which need paths to come back.
. /mpx/lib.sh
arg=${1:-overhead-2-2}
sc=${arg%%-*}
rest=${arg#*-}
rounds=${rest%%-*}
rest=${rest#*-}
secs=${rest%%-*}
quick=0 ramp=1
case $rest in *-q) quick=1 ramp=200ms ;; esac
name=yard
ckpid=

progress() { echo "# bench $sc: $*"; }

# order ROUND SET...: the sets rotated by ROUND - 1.
order() {
	local k=$((($1 - 1) % ($# - 1))) i=0
	shift
	while [ $i -lt $k ]; do
		set -- "$@" "$1"
		shift
		i=$((i + 1))
	done
	echo "$@"
}

# load SET TRANSPORT [MULTIPATH]: unload everything, load SET's modules.
load() {
	local ms=$1 mp=${3:-Y}
	[ "$1" = dm ] && ms=stock mp=N
	nvme_unload || return 1
	[ "$1" != dm ] || modprobe dm-multipath || return 1
	nvme_load $ms nvme-core multipath=$mp || return 1
	case $2 in
	loop) nvme_load $ms nvme-loop ;;
	tcp) nvme_load $ms nvme-tcp && nvme_load $ms nvmet-tcp ;;
	esac && nvme_load $ms nvmet
}

# fio_run DEV RW BS QD JOBS [extra]: one line of
# "iops=.. kbps=.. p99=.. max=.. mean=.." (latency in microseconds).
fio_run() {
	local dev=$1 rw=$2 bs=$3 qd=$4 nj=$5
	shift 5
	fio --name=b --filename="$dev" --ioengine=libaio --direct=1 --rw="$rw" --bs="$bs" \
		--iodepth="$qd" --numjobs="$nj" --group_reporting --size=1g --time_based \
		--runtime="$secs" --ramp_time=$ramp "$@" --output-format=terse --terse-version=3 |
		awk -F';' '/^3;/ { sub(/.*=/, "", $30)
			printf "iops=%s kbps=%s p99=%s max=%s mean=%s\n", $8, $7, $30, $39, $40 }'
}

# dm_up NAME MAP SELECTOR FEATURES [HEAD]: a map over HEAD's disks.
dm_up() {
	local n=$1 m=$2
	shift 2
	# shellcheck disable=SC2046
	dm_create "$m" "$1" "$2" $(ns_disks "$n" "${3:-*}")
}

checker_on() { dm_checker "$@" & ckpid=$!; }
checker_off() { [ -z "$ckpid" ] || kill "$ckpid" 2>/dev/null; wait "$ckpid" 2>/dev/null; ckpid=; }

# connect SET TR NPATHS [FEATURES]: the target is set up; connect NPATHS
# ports, and set $dev to the device to measure (the head, or for dm a
# round-robin map with FEATURES) and $head (native: the head's name).
connect() {
	local set=$1 tr=$2 np=$3 p=1
	if [ "$set" = dm ]; then
		while [ $p -le "$np" ]; do
			host_connect "$tr" $p $name ${tropts:-} || return 1
			p=$((p + 1))
		done
		wait_for 15 eval '[ "$(ns_disks $name | wc -l)" -eq '"$np"' ]' || return 1
		dm_up $name mp round-robin "${4:-0}" || return 1
		dev=/dev/mapper/mp head=
	else
		# shellcheck disable=SC2086
		mp_connect "$tr" "$np" $name 1 ${tropts:-} || return 1
		head=$(head_of $name)
		dev=/dev/$head
	fi
}

# ---- overhead ------------------------------------------------------------

overhead_one() {	# SET CONFIG
	local set=$1 cfg=$2 np=2 wl rw bs nj r pol=
	case $cfg in
	single|mp1) np=1 ;;
	mp2-numa) pol=numa ;;
	mp2-rr) pol=round-robin ;;
	esac
	if [ $cfg = single ]; then
		load "$set" loop N || { not_ok "bench: load $set"; return 1; }
	else
		load "$set" loop || { not_ok "bench: load $set"; return 1; }
	fi
	tgt_setup loop $np $name null 1 1024 || { not_ok "bench: target"; return 1; }
	if [ $cfg = single ]; then
		host_connect loop 1 $name && wait_for 10 [ -b /dev/nvme0n1 ] ||
			{ not_ok "bench: $set $cfg: connect"; return 1; }
		dev=/dev/nvme0n1
	else
		connect "$set" loop $np || { not_ok "bench: $set $cfg: connect"; return 1; }
		[ -z "$pol" ] || [ $set = dm ] || echo $pol >"$(subsys_of $name)/iopolicy"
	fi
	for wl in $wls; do
		rw=${wl%%-*} bs=${wl#*-} nj=${bs#*-j} bs=${bs%-j*}
		r=$(fio_run "$dev" "$rw" "$bs" 32 "$nj")
		[ -n "$r" ] || { not_ok "bench: fio $set $cfg $wl"; continue; }
		echo "BENCH sc=overhead round=$round set=$set config=$cfg workload=$wl $r"
	done
	mpx_cleanup
}

overhead() {
	local cfg set sets="ours stock"
	[ -d /upstream-nvme ] && [ $quick = 0 ] && sets="ours stock upstream"
	wls="randread-4k-j1 randread-4k-j2 read-128k-j1 read-128k-j2"
	cfgs="single mp1 mp2-numa mp2-rr"
	[ $quick = 1 ] && wls="randread-4k-j1 randread-4k-j2 read-128k-j1" cfgs="single mp2-rr"
	for cfg in $cfgs; do
		case $cfg in
		single|mp2-numa) ss=$sets ;;
		*) ss="$sets dm" ;;
		esac
		# shellcheck disable=SC2086
		for set in $(order $round $ss); do
			overhead_one $set $cfg
		done
		progress "round $round: $cfg done"
	done
}

# ---- scaling -------------------------------------------------------------

# nblock PATTERN: how many /sys/block entries match (no process per entry).
nblock() {
	local n=0 f
	for f in /sys/block/$1; do [ -e "$f" ] && n=$((n + 1)); done
	echo $n
}
nblock_is() { [ "$(nblock "$1")" -eq "$2" ]; }

scale_one() {	# SET NPATHS NHEADS
	local set=$1 np=$2 nh=$3 p=1 h t0 t1 t2 t3 want files= r
	tgt_setup loop "$np" $name null "$nh" 1024 || { not_ok "bench: target $np x $nh"; return 1; }
	want=$((nh * (np + 1)))
	[ "$set" = dm ] && want=$((nh * np))
	t0=$(now_us)
	while [ $p -le "$np" ]; do
		host_connect loop $p $name || { not_ok "bench: $set connect $p"; return 1; }
		p=$((p + 1))
	done
	poll_for 120 nblock_is 'nvme*' $want || { not_ok "bench: $set: $np x $nh disks"; return 1; }
	if [ "$set" = dm ]; then
		for h in $(ls /sys/block | sed -n 's/^nvme[0-9]*n\([0-9]*\)$/\1/p' | sort -un); do
			dm_up $name "s$h" round-robin 0 "$h" || { not_ok "bench: dm map $h"; return 1; }
			files="$files:/dev/mapper/s$h"
		done
	else
		for h in /sys/block/nvme*; do
			case ${h##*/} in *c*) ;; *) files="$files:/dev/${h##*/}" ;; esac
		done
	fi
	t1=$(now_us)
	# A path's disk appears after its controller is live and its ANA state
	# read: presence is readiness. Checked here, outside the timing.
	if [ "$set" != dm ]; then
		h=$(head_of $name 1)
		live_paths_is "$h" "$np" || { not_ok "bench: $set: $h has $np live paths"; return 1; }
	else
		dm_active_is s1 "$np" || { not_ok "bench: dm map s1 has $np active paths"; return 1; }
	fi
	[ "$set" = dm ] || echo round-robin >"$(subsys_of $name)/iopolicy"
	r=$(fio_run "${files#:}" randread 4k 32 1)
	[ -n "$r" ] || not_ok "bench: fio $set $np x $nh"
	t2=$(now_us)
	[ "$set" != dm ] || dmsetup remove_all >/dev/null 2>&1
	nvme disconnect-all >/dev/null 2>&1
	poll_for 120 nblock_is 'nvme*' 0 || not_ok "bench: $set: disks gone"
	t3=$(now_us)
	echo "BENCH sc=scale round=$round set=$set paths=$np heads=$nh" \
		"connect_ms=$(us_ms $((t1 - t0))) teardown_ms=$(us_ms $((t3 - t2))) ${r:-iops=0}"
	mpx_cleanup
}

scale() {
	local set k pl="1 2 4 8" hl="1 4 16 64"
	[ $quick = 1 ] && pl="1 2 8" hl=16
	for set in $(order $round ours stock dm); do
		load "$set" loop || { not_ok "bench: load $set"; continue; }
		# 64 namespaces need 64 null_blk devices.
		[ -e /dev/nullb63 ] || { rmmod null_blk 2>/dev/null; modprobe null_blk nr_devices=64 \
			gb=1 queue_mode=2 irqmode=0; }
		for k in $pl; do scale_one $set "$k" 1; done
		for k in $hl; do [ "$k" -eq 1 ] || scale_one $set 2 "$k"; done
		progress "round $round: $set done"
	done
}

# ---- asymmetric paths ----------------------------------------------------

asym_runs() {	# SET CONFIG DELAY
	local wl rw bs qd r
	for wl in $wls; do
		rw=${wl%%-*} bs=${wl#*-} qd=${bs#*-} bs=${bs%-*}
		r=$(fio_run "$dev" "$rw" "$bs" "$qd" 1)
		[ -n "$r" ] || { not_ok "bench: fio $1 $2 $wl"; continue; }
		echo "BENCH sc=asym round=$round set=$1 config=$2 delay=$3 workload=$wl $r"
	done
}

asym() {
	local set d pol slow dl="30 5"
	wls="randread-4k-32 randread-4k-1 read-128k-8"
	[ $quick = 1 ] && dl=30 wls="randread-4k-32 read-128k-8"
	for set in $(order $round ours stock dm); do
		load "$set" tcp || { not_ok "bench: load $set"; continue; }
		tgt_setup tcp 2 $name null 1 1024 || { not_ok "bench: target"; continue; }
		tropts="--reconnect-delay=1 --ctrl-loss-tmo=60"
		connect "$set" tcp 2 || { not_ok "bench: $set: connect"; mpx_cleanup; continue; }
		for d in $dl; do
			# Port 2's replies (target to host) are delayed.
			netem_lo "sport 4421" "$d" || { not_ok "bench: netem $d ms"; continue; }
			case $set in
			ours)
				for pol in numa round-robin queue-depth service-time; do
					echo $pol >"/sys/block/$head/mpx_iopolicy"
					asym_runs ours $pol "$d"
				done
				slow=$(paths_of "$head" | tail -n 1)
				echo fail >"/sys/block/$slow/mpx_state"
				asym_runs ours fast-alone "$d"
				echo reinstate >"/sys/block/$slow/mpx_state" ;;
			stock)
				for pol in numa round-robin queue-depth; do
					echo $pol >"$(subsys_of $name)/iopolicy"
					asym_runs stock $pol "$d"
				done ;;
			dm)
				for pol in round-robin queue-length service-time; do
					dmsetup remove mp >/dev/null 2>&1
					dm_up $name mp $pol 0 || { not_ok "bench: dm $pol"; continue; }
					asym_runs dm $pol "$d"
				done ;;
			esac
		done
		netem_lo "sport 4421" 0
		mpx_cleanup
		progress "round $round: $set done"
	done
	tropts=
}

# ---- failover ------------------------------------------------------------

# paths_back SET: both paths usable again.
paths_back() {
	if [ "$1" = dm ]; then
		wait_for 60 dm_active_is mp 2
	else
		wait_for 60 live_paths_is "$head" 2
	fi
}

fo_one() {	# SET FAULT
	local down runtime r
	case $2 in
	portremove) down=$fo_port ;;
	blackhole) down=$fo_bh ;;
	reset) down=0 ;;
	esac
	# fio starts 3 s before the fault; a reset is watched for 2 s after it.
	runtime=$((down + fo_tail))
	[ $runtime -ge 6 ] || runtime=6
	fault_run "$dev" "$2" $down $runtime $name $fo_rate
	r=$(fo_stats /tmp/st_lat.1.log $fr_from $fr_to)
	grep -q 'err= *[1-9]' /tmp/st.out && r="$r errors=1"
	echo "BENCH sc=failover round=$round set=$1 fault=$2 rate=$fo_rate from_ms=$fr_from" \
		"down_ms=$((fr_to - fr_from)) $r"
	paths_back "$1" || not_ok "bench: $1 $2: paths back"
	rm -f /tmp/st_lat.1.log
}

failover() {
	local set fault
	fo_port=8 fo_bh=20 fo_tail=12 fo_rate=2000
	# Emulating the paced I/O is most of QUICK's time: half the rate
	# still resolves a gap to 1 ms.
	[ $quick = 1 ] && fo_port=3 fo_bh=12 fo_tail=4 fo_rate=1000
	for set in $(order $round ours stock dm); do
		load "$set" tcp || { not_ok "bench: load $set"; continue; }
		tgt_setup tcp 2 $name null 1 1024 && nft_setup || { not_ok "bench: target"; continue; }
		tropts="--reconnect-delay=1 --ctrl-loss-tmo=60"
		connect "$set" tcp 2 "1 queue_if_no_path" || { not_ok "bench: $set: connect"; mpx_cleanup; continue; }
		if [ $set = dm ]; then checker_on mp; else echo round-robin >"$(subsys_of $name)/iopolicy"; fi
		for fault in portremove blackhole reset; do
			fo_one $set $fault
		done
		checker_off
		mpx_cleanup
		progress "round $round: $set done"
	done
	tropts=
}

# ---- heartbeat -----------------------------------------------------------

hb_one() {	# SET (ours-mux, ours-plain, stock, dm)
	local set=$1
	hb_mux "$head" "$set"
	echo "BENCH sc=hb round=$round set=$set $(hb_run "$dev" $hb_run)"
	paths_back "${set%%-*}" || not_ok "bench: $set: paths back"
}

hb() {
	local set
	hb_run=15
	[ $quick = 1 ] && hb_run=10
	for set in $(order $round ours-mux ours-plain stock dm); do
		load "${set%%-*}" tcp || { not_ok "bench: load $set"; continue; }
		tgt_setup tcp 2 $name brd 1 256 && nft_setup || { not_ok "bench: target"; continue; }
		tropts="--reconnect-delay=1 --ctrl-loss-tmo=60"
		connect "${set%%-*}" tcp 2 "1 queue_if_no_path" || { not_ok "bench: $set: connect"; mpx_cleanup; continue; }
		if [ $set = dm ]; then checker_on mp; else echo round-robin >"$(subsys_of $name)/iopolicy"; fi
		hb_one $set
		checker_off
		mpx_cleanup
		progress "round $round: $set done"
	done
	tropts=
}

case $sc in
overhead|scale|asym|failover|hb) ;;
*) not_ok "bench: unknown scenario $sc"; exit 1 ;;
esac
round=1
while [ $round -le "$rounds" ]; do
	$sc
	progress "round $round of $rounds done"
	round=$((round + 1))
done
nvme_unload
ok "bench $sc: $rounds rounds completed"
exit $MPX_FAILED
