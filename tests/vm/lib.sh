# SPDX-License-Identifier: GPL-2.0
# Guest-side helpers for the VM tests: nvmet targets through configfs, host
# connects, waiting for conditions with deadlines, path faults and counters.
# Tests print "ok DESC" / "not ok DESC" lines; anything else is a diagnostic.

CFS=/sys/kernel/config/nvmet
NQN_BASE=nqn.2026-11.io.nvme-mpx
RDMA_ADDR=192.0.2.1	# on dummy0; the guest has no NIC, nothing leaves it
MPX_FAILED=0

ok() { echo "ok $*"; }
not_ok() { echo "not ok $*"; MPX_FAILED=1; }
diag() { echo "# $*"; }

# check DESC CMD...: one result line from a command's exit status, which
# it returns (check ... || diagnose).
check() {
	local d=$1
	shift
	if "$@"; then ok "$d"; else not_ok "$d"; return 1; fi
}

# now_ms: monotonic milliseconds since boot.
now_ms() { awk '{printf "%d\n", $1 * 1000}' /proc/uptime; }
# now_us: the monotonic clock in microseconds (/proc/uptime has 10 ms
# steps, busybox's date no %N); the timer list's first lines are cheap.
now_us() { awk '/^now at/ { printf "%d\n", $3 / 1000; exit }' /proc/timer_list; }
# us_ms US: microseconds as milliseconds with one decimal.
us_ms() { echo "$(($1 / 1000)).$(($1 % 1000 / 100))"; }

# poll_for SECS CMD...: wait_for with a 5 ms poll, for waits that are
# themselves measured.
poll_for() {
	local MPX_POLL=0.005
	wait_for "$@"
}

# log_window FROM_MS TO_MS: the kernel log between two now_ms values, as
# diagnostics (fio's logs count from its own start, so give a margin).
log_window() {
	dmesg | tr -d '[]' | awk -v a="$1" -v b="$2" '$1 * 1000 >= a && $1 * 1000 <= b' |
		sed 's/^/# window: /'
}

# wait_for SECS CMD...: poll CMD every 50 ms until it succeeds or SECS pass
# (times MPX_SLOW, the debug kernel's mpx.slow=N; 1 otherwise).
wait_for() {
	local end=$(($(now_ms) + $1 * 1000 * ${MPX_SLOW:-1}))
	shift
	while ! "$@" >/dev/null 2>&1; do
		[ "$(now_ms)" -lt $end ] || return 1
		sleep "${MPX_POLL:-0.05}"
	done
}

# mpx_arg NAME [DEFAULT]: the value of NAME=VALUE on the kernel command line.
mpx_arg() {
	local w
	for w in $(cat /proc/cmdline); do
		case $w in "$1"=*) echo "${w#*=}"; return 0 ;; esac
	done
	echo "${2:-}"
}

MPX_SLOW=$(mpx_arg mpx.slow 1)

# mpx_reboot ARGS...: after this test ends, boot again with ARGS on the kernel
# command line (and mpx.boot=N) and run this test alone; see init.
mpx_reboot() { echo "$*" >/run/mpx-reboot; }

mpx_run_test() {
	local name=$1 script=${1%%-*} arg=
	[ "$script" = "$name" ] || arg=${name#*-}
	[ -f "/mpx/t/$script.sh" ] || { not_ok "$name: no such test"; return 1; }
	diag "running $script.sh $arg"
	sh "/mpx/t/$script.sh" $arg
}

# ---- target side ---------------------------------------------------------

# tgt_backend KIND N SIZE_MB: N block devices to export; prints their paths.
# brd keeps data (fio verify); null_blk does not (throughput only).
tgt_backend() {
	local i=0
	case $1 in
	brd)
		[ -e /dev/ram0 ] || modprobe brd rd_nr=8 rd_size=$(($3 * 1024)) || return 1
		while [ $i -lt "$2" ]; do echo /dev/ram$i; i=$((i + 1)); done ;;
	null)
		[ -e /dev/nullb0 ] || modprobe null_blk nr_devices=8 gb=$((($3 + 1023) / 1024)) \
			queue_mode=2 irqmode=0 || return 1
		while [ $i -lt "$2" ]; do echo /dev/nullb$i; i=$((i + 1)); done ;;
	esac
}

# tgt_transport TR: load the target and host modules for TR.
tgt_transport() {
	modprobe nvmet || return 1
	case $1 in
	loop) modprobe nvme-loop ;;
	tcp) modprobe nvmet-tcp && modprobe nvme-tcp ;;
	rdma)
		if [ ! -d /sys/class/infiniband/rxe0 ]; then
			modprobe rdma_rxe && modprobe rdma_ucm
			modprobe dummy numdummies=0 && ip link add dummy0 type dummy
			ip addr add $RDMA_ADDR/24 dev dummy0
			ip link set dummy0 up
			rdma link add rxe0 type rxe netdev dummy0 || return 1
		fi
		modprobe nvmet-rdma && modprobe nvme-rdma ;;
	*) echo "unknown transport $1" >&2; return 1 ;;
	esac
}

# port_addr TR PORT: "traddr trsvcid" of port number PORT.
port_addr() {
	case $1 in
	loop) echo "$2 -" ;;
	tcp) echo "127.0.0.1 $((4419 + $2))" ;;
	rdma) echo "$RDMA_ADDR $((4419 + $2))" ;;
	esac
}

# tgt_subsys NAME DEV...: a subsystem with one namespace per device.
tgt_subsys() {
	local nqn=$NQN_BASE:$1 s n=1
	shift
	s=$CFS/subsystems/$nqn
	mkdir -p "$s" || return 1
	echo 1 >"$s/attr_allow_any_host"
	for dev in "$@"; do
		mkdir -p "$s/namespaces/$n"
		echo "$dev" >"$s/namespaces/$n/device_path"
		echo 1 >"$s/namespaces/$n/enable" || return 1
		n=$((n + 1))
	done
}

# tgt_port TR PORT: create port PORT (1..) for transport TR.
tgt_port() {
	local p=$CFS/ports/$2
	set -- "$1" "$2" $(port_addr "$1" "$2")
	mkdir -p "$p" || return 1
	echo "$1" >"$p/addr_trtype"
	if [ "$1" = loop ]; then
		echo "$3" >"$p/addr_traddr"
	else
		echo ipv4 >"$p/addr_adrfam"
		echo "$3" >"$p/addr_traddr"
		echo "$4" >"$p/addr_trsvcid"
	fi
}

# port_link PORT NAME / port_unlink PORT NAME: export NAME on PORT or stop.
port_link() { ln -s "$CFS/subsystems/$NQN_BASE:$2" "$CFS/ports/$1/subsystems/$NQN_BASE:$2"; }
port_unlink() { rm -f "$CFS/ports/$1/subsystems/$NQN_BASE:$2"; }

# port_ana PORT STATE [GRP]: set the ANA state of PORT's group (default 1).
port_ana() { echo "$2" >"$CFS/ports/$1/ana_groups/${3:-1}/ana_state"; }

# tgt_setup TR NPORTS NAME BACKEND NNS SIZE_MB: the usual one-call set-up.
tgt_setup() {
	local tr=$1 np=$2 name=$3 devs p=1
	tgt_transport "$tr" || return 1
	devs=$(tgt_backend "$4" "$5" "$6") || return 1
	# shellcheck disable=SC2086
	tgt_subsys "$name" $devs || return 1
	while [ $p -le "$np" ]; do
		[ -d "$CFS/ports/$p" ] || tgt_port "$tr" $p || return 1
		port_link $p "$name" || return 1
		p=$((p + 1))
	done
}

# ---- host side -----------------------------------------------------------

# host_connect TR PORT NAME [nvme-connect options]
host_connect() {
	local tr=$1 port=$2 name=$3
	shift 3
	set -- "$tr" "$port" "$name" "$@"
	local a s
	a=$(port_addr "$tr" "$port" | cut -d' ' -f1)
	s=$(port_addr "$tr" "$port" | cut -d' ' -f2)
	shift 3
	if [ "$tr" = loop ]; then
		nvme connect -t loop -a "$a" -n "$NQN_BASE:$name" "$@" >/dev/null
	else
		nvme connect -t "$tr" -a "$a" -s "$s" -n "$NQN_BASE:$name" "$@" >/dev/null
	fi
}

# mp_connect TR NPORTS NAME [NNS] [nvme-connect options]: connect every port
# to subsystem NAME (default reconnect options where the transport has them),
# then wait until each of its NNS heads has all NPORTS paths live.
mp_connect() {
	local tr=$1 np=$2 name=$3 nns=${4:-1} p=1 n=1
	shift 3
	[ $# -gt 0 ] && shift
	[ $# -gt 0 ] || [ "$tr" = loop ] || set -- --reconnect-delay=1 --ctrl-loss-tmo=60
	while [ $p -le "$np" ]; do
		host_connect "$tr" $p "$name" "$@" || return 1
		p=$((p + 1))
	done
	while [ $n -le "$nns" ]; do
		wait_for 10 head_of "$name" $n || return 1
		wait_for 15 live_paths_is "$(head_of "$name" $n)" "$np" || return 1
		n=$((n + 1))
	done
}

# subsys_of NAME: the nvme-subsysN directory of subsystem NAME.
subsys_of() {
	local d
	for d in /sys/class/nvme-subsystem/nvme-subsys*; do
		[ "$(cat "$d/subsysnqn" 2>/dev/null)" = "$NQN_BASE:$1" ] && { echo "$d"; return 0; }
	done
	return 1
}

# head_of NAME [NSID]: the head block device name (nvmeXnY).
head_of() {
	local d
	d=$(subsys_of "$1") || return 1
	d=${d##*nvme-subsys}
	[ -e "/sys/block/nvme${d}n${2:-1}" ] || return 1
	echo "nvme${d}n${2:-1}"
}

# any_head_of SUBSYS: the subsystem's first head, whatever its number (a head
# that replaces one still being freed gets the next free instance).
any_head_of() {
	local d h
	d=$(subsys_of "$1") || return 1
	d=${d##*nvme-subsys}
	for h in /sys/block/nvme"${d}"n*; do
		[ -e "$h" ] || continue
		echo "${h##*/}"
		return 0
	done
	return 1
}

# paths_of HEAD: the head's path devices (nvmeXcYnZ), one a line.
paths_of() {
	local s=${1%n*} n=${1##*n} p
	for p in /sys/block/${s}c*n$n; do
		[ -e "$p" ] && basename "$p"
	done
}
npaths() { paths_of "$1" | wc -l; }

# ctrl_of PATH: nvmeY of path nvmeXcYnZ.
ctrl_of() { local c=${1#nvme*c}; echo "nvme${c%n*}"; }
ctrl_state() { cat "/sys/class/nvme/$1/state"; }
path_ctrl_state() { ctrl_state "$(ctrl_of "$1")"; }
# live_paths HEAD: number of paths whose controller is live.
live_paths() {
	local p n=0
	for p in $(paths_of "$1"); do
		[ "$(path_ctrl_state "$p" 2>/dev/null)" = live ] && n=$((n + 1))
	done
	echo $n
}
live_paths_is() { [ "$(live_paths "$1")" -eq "$2" ]; }

# path_ios PATH: I/Os completed on a path (reads + writes from its stat).
path_ios() { awk '{print $1 + $5}' "/sys/block/$1/stat"; }
# ios_above PATH N: the path has completed more than N I/Os (for wait_for).
ios_above() { [ "$(path_ios "$1")" -gt "$2" ]; }
# live_paths_below HEAD N: fewer than N paths are live (for wait_for).
live_paths_below() { [ "$(live_paths "$1")" -lt "$2" ]; }
# two_paths NAME: the subsystem's head in $head and $H (its sysfs
# directory), its two paths in $a and $b (controller order: port 1, 2).
two_paths() {
	head=$(head_of "$1")
	set -- $(paths_of "$head")
	a=$1 b=$2 H=/sys/block/$head
}

# attr DISK NAME: a sysfs attribute of a block device; attr_is ... VALUE.
attr() { cat "/sys/block/$1/$2"; }
attr_is() { [ "$(attr "$1" "$2")" = "$3" ]; }
# mpx_stat DISK N: field N of the disk's mpx_stat line.
mpx_stat() { cut -d' ' -f"$2" "/sys/block/$1/mpx_stat"; }
ana_state() { cat "/sys/block/$1/ana_state"; }
ana_is() { [ "$(ana_state "$1")" = "$2" ]; }

# ---- faults --------------------------------------------------------------

# netem_lo MATCH MS [MATCH...]: delay the loopback packets matching any
# MATCH (a u32 selector such as "sport 4421" or "dport 4420") by MS ms; MS 0
# removes every delay. The prio qdisc keeps all other traffic undelayed.
netem_lo() {
	local m=$1 ms=$2
	tc qdisc del dev lo root 2>/dev/null
	[ "$ms" -eq 0 ] && return 0
	shift 2
	tc qdisc add dev lo root handle 1: prio bands 4 priomap 1 2 2 2 1 2 0 0 1 1 1 1 1 1 1 1 &&
		tc qdisc add dev lo parent 1:4 handle 40: netem delay "${ms}ms" limit 100000 || return 1
	for m in "$m" "$@"; do
		# shellcheck disable=SC2086 # MATCH is two words for u32
		tc filter add dev lo parent 1: protocol ip prio 1 u32 match ip $m 0xffff flowid 1:4 ||
			return 1
	done
}

# nft table and chains are made once at set-up: creating chains under I/O
# has crashed TCG guests; during a fault only rules are added and flushed.
nft_setup() {
	nft list table inet mpx >/dev/null 2>&1 && return 0
	nft add table inet mpx &&
		nft add chain inet mpx in '{ type filter hook input priority 0; }' &&
		nft add chain inet mpx out '{ type filter hook output priority 0; }'
}
# blackhole TR PORT / unblackhole: drop (no reset) a tcp port's traffic.
blackhole() {
	local s
	s=$(port_addr "$1" "$2" | cut -d' ' -f2)
	nft add rule inet mpx in tcp dport "$s" drop &&
		nft add rule inet mpx in tcp sport "$s" drop
}
unblackhole() { nft flush chain inet mpx in; nft flush chain inet mpx out; }

# ---- workloads -----------------------------------------------------------

# gone PID: the process has exited (a zombie counts: it waits for our wait).
gone() { [ ! -d "/proc/$1" ] || grep -q '^[0-9]* (.*) Z' "/proc/$1/stat"; }
# io_wait PID SECONDS HEAD: wait for the fio PID to end, SECONDS (times
# MPX_SLOW) at most; if it does not, show where the head's I/O is (io_diag,
# and the blocked tasks by sysrq-w into the kernel log), kill it and fail.
io_wait() {
	local p
	if wait_for "$2" gone "$1"; then
		wait "$1"
		return
	fi
	diag "fio $1 still running after $(($2 * ${MPX_SLOW:-1})) s"
	io_diag "$1" "$3" $(paths_of "$3")
	for p in $(paths_of "$3"); do diag "$p: $(attr "$p" mpx_state)"; done
	echo w >/proc/sysrq-trigger
	kill -KILL "$1"
	wait "$1"
	return 1
}

# fio_verify DEV SECONDS [extra fio args]: random read/write with crc32c
# verification; exits non-zero on any I/O or verify error.
fio_verify() {
	# The runtime is a budget for the faults a test puts in it: it
	# stretches with MPX_SLOW, as the waits do.
	local dev=$1 t=$(($2 * ${MPX_SLOW:-1}))
	shift 2
	fio_verify_for "$dev" "$t" "$@"
}

# fio_verify_for DEV SECONDS [extra fio args]: the same for exactly SECONDS.
fio_verify_for() {
	local dev=$1 t=$2
	shift 2
	fio --name=verify --filename="/dev/$dev" --ioengine=libaio --direct=1 \
		--rw=randrw --bs=4k --iodepth=16 --size=64m --time_based --runtime="$t" \
		--verify=crc32c --verify_fatal=1 --verify_backlog=256 --do_verify=1 \
		--output-format=terse --terse-version=3 "$@"
}

# fio_clean OUT: fio's terse output OUT reports no error (field 5) and no
# verify failure; for a run that we interrupted (its exit status is then 1).
fio_clean() {
	local t
	t=$(grep '^3;' "$1" | tail -n 1)
	[ -n "$t" ] && [ "$(echo "$t" | cut -d';' -f5)" = 0 ] &&
		! grep -Eqi 'verify.*(bad|fail)|crc32c.*wanted|io_u error' "$1"
}

# ---- cleanup -------------------------------------------------------------

mpx_cleanup() {
	local p s n
	killall -q -KILL fio 2>/dev/null
	# dm-multipath maps hold the namespaces open: they go first.
	[ -d /sys/module/dm_multipath ] && dmsetup remove_all --force >/dev/null 2>&1
	nvme disconnect-all >/dev/null 2>&1
	nft delete table inet mpx 2>/dev/null
	for p in "$CFS"/ports/*; do
		[ -d "$p" ] || continue
		rm -f "$p"/subsystems/* 2>/dev/null
		rmdir "$p/ana_groups"/[2-9]* 2>/dev/null
		rmdir "$p"
	done
	for s in "$CFS"/subsystems/*; do
		[ -d "$s" ] || continue
		for n in "$s"/namespaces/*; do
			[ -d "$n" ] && { echo 0 >"$n/enable"; rmdir "$n"; }
		done
		rmdir "$s"
	done
}

# stray_dev_files: remove and name the regular files in /dev/nvme*. fio
# given a disk's name after the disk went makes a file of that name, and
# the next test's fio would write there and not to its disk (init fails
# the test that left one).
stray_dev_files() {
	local f
	for f in /dev/nvme*; do
		[ -f "$f" ] || continue
		echo "$f"
		rm -f "$f"
	done
}

# ---- dm-multipath, the second yardstick ---------------------------------
# With nvme_core multipath=N every controller has its own block device per
# namespace, nvme<ctrl>n<head>; the disks of one shared namespace on all
# controllers share the head's number <head>. dmsetup runs without udev:
# --noudevsync and it makes /dev/mapper/NAME itself.

# ns_disks NAME [HEAD]: the per-controller disks of subsystem NAME (those of
# head number HEAD only), one a line, in controller order.
ns_disks() {
	local c n q
	for c in /sys/class/nvme/nvme*; do
		read -r q 2>/dev/null <"$c/subsysnqn" || continue
		[ "$q" = "$NQN_BASE:$1" ] || continue
		for n in $c/${c##*/}n${2:-*}; do
			[ -e "$n/dev" ] && echo "${n##*/}"
		done
	done
}

# dm_table SELECTOR FEATURES DISK...: a one-priority-group multipath table
# over DISKs. SELECTOR: round-robin, queue-length or service-time, each with
# a repeat count of 1 (switch every I/O, as native round-robin does);
# FEATURES: "0" or "1 queue_if_no_path".
dm_table() {
	local sel=$1 feat=$2 sz n=0 pa=1 npa=1 paths= d mm
	shift 2
	read -r sz <"/sys/block/$1/size" || return 1
	[ "$sel" = service-time ] && pa="1 1" npa=2
	for d in "$@"; do
		read -r mm <"/sys/block/$d/dev" || return 1
		paths="$paths $mm $pa"
		n=$((n + 1))
	done
	echo "0 $sz multipath $feat 0 1 1 $sel 0 $n $npa$paths"
}

# dm_create MAP SELECTOR FEATURES DISK...: /dev/mapper/MAP over DISKs.
dm_create() {
	local m=$1
	shift
	dmsetup create "$m" --noudevsync --table "$(dm_table "$@")" || return 1
	[ -b "/dev/mapper/$m" ] || dmsetup mknodes "$m"
	[ -b "/dev/mapper/$m" ]
}

# dm_paths MAP: "MAJ:MIN A|F" for every path of MAP, one a line.
dm_paths() {
	dmsetup status "$1" | awk '{ for (i = 1; i < NF; i++)
		if ($i ~ /^[0-9]+:[0-9]+$/) print $i, $(i + 1) }'
}
# dm_active_is MAP N: N of MAP's paths are active.
dm_active_is() { [ "$(dm_paths "$1" | grep -c ' A$')" -eq "$2" ]; }

# dm_checker MAP...: the part of multipathd that dm needs without it. dm
# fails a path itself, on an I/O error; nothing reinstates it. Every second
# this reinstates a failed path whose controller is live again (multipathd's
# polling_interval is 5 s, so this favours dm). It does not fail paths:
# multipathd's NVMe checker does not either while a controller is
# resetting or connecting. Runs until killed.
dm_checker() {
	local m mm st s
	while :; do
		for m in "$@"; do
			dm_paths "$m" | while read -r mm st; do
				[ "$st" = F ] || continue
				read -r s 2>/dev/null <"/sys/dev/block/$mm/device/state" || continue
				[ "$s" = live ] && dmsetup message "$m" 0 reinstate_path "$mm" >/dev/null 2>&1
			done
		done
		sleep 1
	done
}

# ---- module sets -----------------------------------------------------------

# ours_loaded: the nvme-core in the kernel is the project's build.
ours_loaded() {
	local f=/lib/modules/$(uname -r)/kernel/drivers/nvme/host/nvme-core.ko
	[ "$(modinfo -F filename nvme-core)" = "$f" ] &&
		[ "$(cat /sys/module/nvme_core/srcversion)" = "$(modinfo -F srcversion "$f")" ]
}

# nvme_unload: disconnect everything and unload every NVMe module.
nvme_unload() {
	local m
	mpx_cleanup
	for m in nvme_loop nvmet_tcp nvmet_rdma nvme_tcp nvme_rdma nvmet nvme_fabrics nvme \
		nvme_core nvme_auth nvme_keyring; do
		[ -d "/sys/module/$m" ] && { rmmod "$m" || return 1; }
	done
	return 0
}

# nvme_load SET MODULE [params]: load MODULE and its dependencies from SET:
# "ours" (our build), "stock" (Debian's modules, kept aside in the image) or
# "upstream" (upstream's sources built by our pipeline, benchmarks only).
nvme_load() {
	local set=$1 m=$2 dir f d
	shift 2
	dir=/lib/modules/$(uname -r)/kernel/drivers/nvme
	[ "$set" = stock ] && dir=/stock-nvme
	[ "$set" = upstream ] && dir=/upstream-nvme
	[ -d "/sys/module/$(echo "$m" | tr - _)" ] && return 0
	f=$(ls "$dir"/*/"$m".ko 2>/dev/null | head -n 1)
	[ -n "$f" ] || { echo "nvme_load: no $m in $dir" >&2; return 1; }
	for d in $(modinfo -F depends "$f" | tr , ' '); do
		if ls "$dir"/*/"$d".ko >/dev/null 2>&1; then
			nvme_load "$set" "$d" || return 1
		else
			modprobe "$d" || return 1
		fi
	done
	insmod "$f" "$@"
}

# bench_setup SET NAME: load SET's NVMe/TCP modules, a null_blk target with
# two ports, connect both paths; sets $head.
bench_setup() {
	nvme_unload || { not_ok "bench: unload before $1"; return 1; }
	nvme_load "$1" nvme-core && nvme_load "$1" nvme-tcp && nvme_load "$1" nvmet &&
		nvme_load "$1" nvmet-tcp || { not_ok "bench: load $1 modules"; return 1; }
	tgt_setup tcp 2 "$2" null 1 1024 || { not_ok "bench: target"; return 1; }
	nft_setup || { not_ok "bench: nft"; return 1; }
	mp_connect tcp 2 "$2" || { not_ok "bench: $1: two live paths"; return 1; }
	head=$(head_of "$2")
}

# bench_order ROUND: the module sets in this round's order (alternating).
bench_order() {
	if [ $(($1 % 2)) -eq 1 ]; then echo "ours stock"; else echo "stock ours"; fi
}

# ---- debug kernel (make check-debug): kmemleak -----------------------------

KMEMLEAK=/sys/kernel/debug/kmemleak

# mods_note: append where each loaded module sits to /run/mpx-modules, so
# that a leak whose backtrace points into a module unloaded since (kmemleak
# can then print only the raw address) is still attributed to it.
mods_note() {
	[ -w "$KMEMLEAK" ] || return 0
	cat /proc/modules >>/run/mpx-modules
}

# kmemleak_check: only on a kernel with kmemleak. Unload the NVMe modules,
# so that what their exit paths leave behind counts too, scan twice (the
# second confirms the first) and give one result line: fail on a suspected
# leak allocated from nvme/nvmet or nvme-mpx code (by symbol, or by an
# address inside an NVMe module that is now gone). Other suspects are
# listed as diagnostics only: they are not ours to fix.
kmemleak_check() {
	local r=/run/kmemleak.txt n
	[ -w "$KMEMLEAK" ] || return 0
	mods_note
	nvme_unload || diag "kmemleak: the NVMe modules did not all unload"
	echo scan >"$KMEMLEAK" && echo scan >"$KMEMLEAK" ||
		{ not_ok "kmemleak: scan (kmemleak disabled itself? see dmesg)"; return 1; }
	awk -v modf=/run/mpx-modules '
	function hex(s,   i, v) {
		v = 0
		for (i = 1; i <= length(s); i++)
			v = v * 16 + index("0123456789abcdef", substr(s, i, 1)) - 1
		return v
	}
	BEGIN {
		# Module space is 0xffffffffa0000000 and up: the low 32 bits suffice.
		while ((getline l < modf) > 0) {
			split(l, f, " ")
			if (f[1] !~ /^nvme/ || f[6] !~ /^0xffffffff/) continue
			lo[++m] = hex(substr(f[6], 11)); hi[m] = lo[m] + f[2]; nm[m] = f[1]
		}
	}
	function flush() {
		if (rec == "") return
		tot++
		if (ours) { n++; printf "%s", rec > "/run/kmemleak-ours.txt" }
		else if (first != "") other[first]++
		rec = ""; ours = 0; first = ""
	}
	/^unreferenced object/ { flush(); bt = 0 }
	{ rec = rec $0 "\n" }
	/^ +backtrace/ { bt = 1; next }
	# A frame: "    func+0x1/0x2 [mod]" (%pS, 6.x), "[<addr>] func..."
	# before, or a bare address once its module is gone.
	bt && /^    / {
		s = $0; sub(/^ +(\[<[^>]*>\] )?/, "", s)
		if (first == "" && s !~ /^(__)?(kmalloc|kmem_cache|kvmalloc|krealloc|kmemleak|slab|alloc_|__alloc|kasan|kzalloc|kcalloc|__do_kmalloc|new_slab|allocate_slab|setup_object|pcpu_)/)
			first = s
		if (s ~ /^(nvme|nvmet|mpx)[a-z0-9_]*\+0x/ || s ~ /\[(nvme|nvmet)[a-z0-9_]*\]$/) ours = 1
		else if (s ~ /^0xffffffff[0-9a-f]+$/) {
			a = hex(substr(s, 11))
			for (i = 1; i <= m; i++) if (a >= lo[i] && a < hi[i]) ours = 1
		}
	}
	END {
		flush(); printf "%d %d\n", n, tot
		for (k in other) printf "%d %s\n", other[k], k > "/run/kmemleak-other.txt"
	}' "$KMEMLEAK" >"$r"
	n=$(cut -d' ' -f1 "$r")
	diag "kmemleak: $(cut -d' ' -f2 "$r") suspected leak(s) in all, $n from NVMe code"
	if [ "$n" -eq 0 ]; then
		ok "kmemleak: no leak from nvme, nvmet or nvme-mpx code"
	else
		not_ok "kmemleak: $n leak(s) from nvme, nvmet or nvme-mpx code"
		head -n 80 /run/kmemleak-ours.txt | sed 's/^/# kmemleak: /'
	fi
	# The others, briefly: how many per allocating caller.
	[ ! -s /run/kmemleak-other.txt ] ||
		sort -rn /run/kmemleak-other.txt | head -n 10 | sed 's/^/# kmemleak (not ours): /'
}

# ---- benchmark recipes (yard.sh, stall.sh, hbench.sh) ----------------------

# ctrl_for_port PORT: the controller connected to tcp port PORT.
ctrl_for_port() {
	local c a
	for c in /sys/class/nvme/nvme*; do
		read -r a <"$c/address" || continue
		case $a in *trsvcid=$((4419 + $1))*) echo "${c##*/}"; return 0 ;; esac
	done
	return 1
}

# fault_run DEV FAULT DOWN RUNTIME SUBSYS [RATE]: fio 4k randread QD16
# paced at RATE IOPS (2000; so the guest idles and the clock is not the
# CPU's) on DEV for RUNTIME s, completions logged to /tmp/st_lat.1.log,
# and 3 s in a fault on path 1 (tcp port 1) of SUBSYS: portremove (the port back after DOWN s),
# blackhole (every packet dropped, no reset; lifted after DOWN s) or reset
# (a controller reset, watched for 2 s). Sets fr_from and fr_to, the
# fault's window in ms since fio was started.
fault_run() {
	local dev=$1 fault=$2 down=$3 sub=$5 t0 fpid
	fio --name=st --filename="$dev" --ioengine=libaio --direct=1 --rw=randread --bs=4k \
		--iodepth=16 --rate_iops="${6:-2000}" --size=512m --time_based --runtime="$4" \
		--write_lat_log=/tmp/st --log_avg_msec=0 >/tmp/st.out 2>&1 &
	fpid=$!
	t0=$(now_ms)
	sleep 3
	fr_from=$(($(now_ms) - t0))
	case $fault in
	portremove) port_unlink 1 "$sub" ;;
	blackhole) blackhole tcp 1 ;;
	reset) echo 1 >"/sys/class/nvme/$(ctrl_for_port 1)/reset_controller" ;;
	esac
	[ "$down" -gt 0 ] && sleep "$down"	# the fault lasts this long
	case $fault in
	portremove) port_link 1 "$sub" ;;
	blackhole) unblackhole ;;
	esac
	fr_to=$(($(now_ms) - t0))
	[ "$down" -gt 0 ] || fr_to=$((fr_from + 2000))
	wait $fpid
}

# fo_stats LOG FROM_MS TO_MS: the longest completion gap that ends at or
# after FROM - 500 (the fault and the recovery from it; fio's clock starts
# when fio is up, a little after ours, so the fault is a little earlier on
# its clock), the longest one that ends before (the baseline: what the
# set's I/O path stalls for anyway, which must not pass for a failover
# gap; fio's first 500 ms are left out), completions between FROM and TO
# (fio's clock, ms), and per 100 ms: completions/worst latency in
# microseconds, comma-separated (the plots' series).
fo_stats() {
	sort -t, -k1,1n "$1" | awk -F, -v f="$2" -v t="$3" '
		NR > 1 && $1 >= f - 500 && $1 - p > g { g = $1 - p }
		NR > 1 && $1 < f - 500 && p >= 500 && $1 - p > q { q = $1 - p }
		{ p = $1; b = int($1 / 100); c[b]++; l = $2 / 1000; if (l > w[b]) w[b] = l
		  if (b > nb) nb = b }
		$1 >= f && $1 < t { n++ }
		END { printf "gap=%d pre=%d during=%d series=", g, q, n
		      for (i = 0; i <= nb; i++) printf "%s%d/%d", i ? "," : "", c[i], w[i]; print "" }'
}

# lat_stats LOG: worst and p99.9 latency in microseconds, I/Os.
lat_stats() {
	cut -d, -f2 "$1" | sort -n | awk '{ v[NR] = $1 } END {
		i = int(NR * 0.999); if (i < 1) i = 1
		printf "worst_us=%d p999_us=%d n=%d", v[NR] / 1000, v[i] / 1000, NR }'
}

# hb_mux HEAD SET: for SET ours-mux the heartbeat's slot (HB_SLOT, in
# 4 KiB blocks) is multiplexed on HEAD, for ours-plain nothing is; other
# sets (stock, dm) have no such knob.
HB_SLOT=64
hb_mux() {
	local per
	case $2 in
	ours-mux)
		per=$((8 / ($(cat "/sys/block/$1/queue/logical_block_size") / 512)))
		echo "$((HB_SLOT * per))-$((HB_SLOT * per + per - 1))" >"/sys/block/$1/mpx_multiplex" ;;
	ours-plain) echo none >"/sys/block/$1/mpx_multiplex" ;;
	esac
}

# hb_run DEV RUNTIME: a heartbeat writer on DEV (4 KiB to its slot every
# 10 ms, each read back and verified) for RUNTIME s, path 1 (tcp port 1)
# blackholed from 3 s in to the end. Prints its worst_us= p999_us= n= and
# data=clean or data=error.
hb_run() {
	local fpid res=clean
	fio --name=hb --filename="$1" --ioengine=psync --direct=1 --rw=write --bs=4k \
		--offset=$((HB_SLOT * 4096)) --size=4k --time_based --runtime="$2" --thinktime=10ms \
		--verify=crc32c --verify_backlog=1 --verify_fatal=1 --do_verify=1 \
		--write_lat_log=/tmp/hb --log_avg_msec=0 --output-format=terse --terse-version=3 \
		>/tmp/hb.out 2>&1 &
	fpid=$!
	sleep 3
	blackhole tcp 1
	wait $fpid
	unblackhole
	fio_clean /tmp/hb.out || res=error
	echo "$(lat_stats /tmp/hb_lat.1.log) data=$res"
	rm -f /tmp/hb_lat.1.log
}

# io_diag PID DISK...: why I/O of process PID is not moving: its state and
# kernel stacks, and each DISK's inflight and mpx_stat.
io_diag() {
	local p=$1 t d
	shift
	if [ -d "/proc/$p" ]; then
		diag "pid $p: $(grep -E '^State' "/proc/$p/status")"
		for t in /proc/"$p"/task/*; do
			diag "task ${t##*/}: $(cat "$t/wchan" 2>/dev/null)"
			sed 's/^/#   /' "$t/stack" 2>/dev/null | head -n 12
		done
	else
		diag "pid $p has exited"
	fi
	for d in "$@"; do
		diag "$d: inflight $(cat "/sys/block/$d/inflight" 2>/dev/null)," \
			"mpx_stat $(cat "/sys/block/$d/mpx_stat" 2>/dev/null)"
	done
}
