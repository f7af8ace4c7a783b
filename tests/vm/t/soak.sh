#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Fault soak (make soak; not in the default suite). Two heads, each with
# three NVMe/TCP paths and one nvme-loop path, under fio verify while a
# seeded random schedule cuts paths (nft blackhole), slows them (netem),
# flaps them, removes and re-adds their ports, changes their ANA states,
# resets their controllers and now and then takes every path away for a
# few seconds (every 45-60 s), less than the heads' queue_if_no_path
# time, so I/O waits and then completes. Outside those windows a fault
# starts only while two paths are healthy: one always is. At the end: no verify error, a clean kernel log
# (init checks it), kmemleak clean where the kernel has it, everything
# disconnects and unloads. Prints the faults per kind, the seconds of I/O
# and the bytes written and verified.
# Argument: TRANSPORTS[-SECONDS[-SEED]], TRANSPORTS "tcp" (three TCP paths)
# or "tcploop" (three TCP paths and one loop path).
. /mpx/lib.sh
arg=${1:-tcploop}
set -- $(echo "$arg" | tr - ' ')
mix=$1 secs=${2:-600} seed=${3:-}
[ -n "$seed" ] || seed=$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')
diag "soak seed $seed, $secs s, $mix (replay: SOAK_SECS=$secs SOAK_SEED=$seed make soak)"
name=soak
QNP=60		# mpx_queue_if_no_path of both heads, seconds
ntcp=3
np=$ntcp
[ "$mix" = tcploop ] && np=$((ntcp + 1))

# ---- set-up ----------------------------------------------------------------
tgt_transport tcp || { not_ok "soak: tcp transport"; exit 1; }
[ $np -eq $ntcp ] || tgt_transport loop || { not_ok "soak: loop transport"; exit 1; }
devs=$(tgt_backend brd 2 256) || { not_ok "soak: backend"; exit 1; }
# shellcheck disable=SC2086
tgt_subsys $name $devs || { not_ok "soak: subsystem"; exit 1; }
p=1
while [ $p -le $np ]; do
	t=tcp
	[ $p -le $ntcp ] || t=loop
	eval "ptr_$p=$t"
	tgt_port $t $p && port_link $p $name || { not_ok "soak: port $p"; exit 1; }
	# Reconnect for ever: a path must come back however long its fault.
	if [ $t = tcp ]; then
		host_connect tcp $p $name --reconnect-delay=1 --ctrl-loss-tmo=-1
	else
		host_connect loop $p $name
	fi || { not_ok "soak: connect port $p"; exit 1; }
	p=$((p + 1))
done
nft_setup || { not_ok "soak: nft"; exit 1; }
for n in 1 2; do
	wait_for 20 head_of $name $n && wait_for 30 live_paths_is "$(head_of $name $n)" $np ||
		{ not_ok "soak: head $n with $np live paths"; exit 1; }
done
h1=$(head_of $name 1) h2=$(head_of $name 2)
# port -> controller, by the controllers' addresses
for c in /sys/class/nvme/nvme*; do
	c=${c##*/}
	case $(cat /sys/class/nvme/$c/transport) in
	tcp) p=$(($(sed 's/.*trsvcid=\([0-9]*\).*/\1/' /sys/class/nvme/$c/address) - 4419)) ;;
	loop) p=$np ;;
	esac
	eval "pc_$p=$c"
done
diag "heads $h1 $h2; controllers: $(p=1; while [ $p -le $np ]; do eval "printf '%s ' \"port $p \$pc_$p,\""; p=$((p + 1)); done)"
for h in $h1 $h2; do
	echo $QNP >/sys/block/$h/mpx_queue_if_no_path
	echo round-robin >/sys/block/$h/mpx_iopolicy
done
# One netem band for every slowed port; a port is slowed by its filter.
tc qdisc add dev lo root handle 1: prio bands 4 priomap 1 2 2 2 1 2 0 0 1 1 1 1 1 1 1 1 &&
	tc qdisc add dev lo parent 1:4 handle 40: netem delay 60ms 30ms limit 100000 ||
	{ not_ok "soak: netem"; exit 1; }

# ---- the random schedule ---------------------------------------------------
# Milliseconds since boot and a controller's state without a program run:
# the schedule's tick stays short under emulation.
now_ms() {
	local u f
	read -r u f </proc/uptime
	f=${u#*.}
	echo $((${u%.*} * 1000 + 10 * ${f#0}))
}
R=$seed
rnd() { R=$(((R * 1103515245 + 12345) % 2147483648)); r=$(((R / 65536) % $1)); }
ctrl_live() {
	local s=
	eval "read -r s </sys/class/nvme/\$pc_$1/state"
	[ "$s" = live ]
}
# A port's fault: kind and the time it ends (0: none).
p=1
while [ $p -le $np ]; do eval "fk_$p= fe_$p=0"; p=$((p + 1)); done
for k in cut slow flap remove ana reset nopath; do eval "n_$k=0"; done
nq=0

fault_start() {	# PORT KIND SECONDS
	local p=$1 k=$2 d=$3 s st
	s=$((4419 + p))
	case $k in
	cut) nft add rule inet mpx in tcp dport $s drop comment "\"p$p\"" &&
		nft add rule inet mpx in tcp sport $s drop comment "\"p$p\"" ;;
	slow) tc filter add dev lo parent 1: protocol ip prio $((10 + p)) u32 \
		match ip dport $s 0xffff flowid 1:4 ;;
	remove) port_unlink $p $name && rmdir $CFS/ports/$p ;;
	ana) rnd 3
		set -- non-optimized inaccessible change
		shift $r
		st=$1
		port_ana $p $st ;;
	flap) ;;	# fault_tick toggles it
	reset) eval "echo 1 >/sys/class/nvme/\$pc_$p/reset_controller" 2>/dev/null ;;
	esac || { diag "fault $k on port $p could not start"; return 1; }
	eval "fk_$p=$k fe_$p=$(($(now_ms) + d * 1000)) n_$k=\$((n_$k + 1))"
	diag "$(($(now_ms) - t0)) ms: port $p: $k${st:+ $st}${d:+ for $d s}"
}
fault_end() {	# PORT
	local p=$1 k h
	eval "k=\$fk_$p"
	case $k in
	cut) for h in $(nft -a list chain inet mpx in |
		sed -n "s/.*comment \"p$p\" # handle \([0-9]*\)/\1/p"); do
			nft delete rule inet mpx in handle $h
		done ;;
	slow) tc filter del dev lo parent 1: protocol ip prio $((10 + p)) ;;
	remove) eval "tgt_port \$ptr_$p $p" && port_link $p $name ;;
	ana) port_ana $p optimized ;;
	flap) [ -e $CFS/ports/$p/subsystems/$NQN_BASE:$name ] || port_link $p $name ;;
	esac || not_ok "soak: ending fault $k on port $p"
	eval "fk_$p= fe_$p=0"
}
# fault_tick: end what is due, flap what flaps.
fault_tick() {
	local p t k e
	t=$(now_ms)
	p=1
	while [ $p -le $np ]; do
		eval "k=\$fk_$p e=\$fe_$p"
		if [ -n "$k" ] && [ "$t" -ge "$e" ]; then
			fault_end $p
		elif [ "$k" = flap ]; then
			if [ -e $CFS/ports/$p/subsystems/$NQN_BASE:$name ]; then
				port_unlink $p $name
			else
				port_link $p $name
			fi
		fi
		p=$((p + 1))
	done
}
# healthy PORT: no fault on it and its controller live.
healthy() { eval "[ -z \"\$fk_$1\" ]" && ctrl_live $1; }
nhealthy() { local p=1; nh=0; while [ $p -le $np ]; do healthy $p && nh=$((nh + 1)); p=$((p + 1)); done; }

# nopath SECONDS: every path away (TCP ports unlinked, the loop path
# inaccessible); I/O must be queued, not failed, and complete afterwards.
nopath() {
	local p=1 q0 q1
	q0=$(($(mpx_stat $h1 2) + $(mpx_stat $h2 2)))
	while [ $p -le $np ]; do
		if eval "[ \$ptr_$p = tcp ]"; then port_unlink $p $name; else port_ana $p inaccessible; fi
		p=$((p + 1))
	done
	wait_for 20 live_paths_is $h1 $((np - ntcp))
	sleep "$1"	# the outage itself, well below queue_if_no_path
	q1=$(($(mpx_stat $h1 2) + $(mpx_stat $h2 2)))
	[ $q1 -gt $q0 ] && nq=$((nq + 1))
	check "soak: no path for $1 s: fio still running" kill -0 $f1 $f2 2>/dev/null
	p=1
	while [ $p -le $np ]; do
		if eval "[ \$ptr_$p = tcp ]"; then port_link $p $name; else port_ana $p optimized; fi
		p=$((p + 1))
	done
	n_nopath=$((n_nopath + 1))
	diag "$(($(now_ms) - t0)) ms: no path for $1 s (requeued +$((q1 - q0)))"
}

# fio runs for the soak's own length on any kernel: the schedule below
# fills it with faults, so a slow kernel's fio must not outlast them.
t0=$(now_ms)
fio_verify_for $h1 $secs --size=64m >/tmp/soak1.out 2>&1 &
f1=$!
fio_verify_for $h2 $secs --size=64m >/tmp/soak2.out 2>&1 &
f2=$!
wait_for 30 sh -c ". /mpx/lib.sh; [ \$(awk '{print \$1 + \$5}' /sys/block/$h1/stat) -gt 500 ]"
# Faults until 45 s before fio's end; then everything is put back and the
# last stretch runs clean.
stop=$((t0 + (secs - 45) * 1000))
last_np=$t0 np_gap=30000 ticks=0
while [ "$(now_ms)" -lt $stop ]; do
	fault_tick
	ticks=$((ticks + 1))
	# Every 45-60 s no new fault, until all paths are healthy: then the
	# no-path window.
	due=
	[ $(($(now_ms) - last_np)) -lt $np_gap ] || due=1
	rnd 100
	if [ -z "$due" ] && [ $r -lt 50 ]; then
		nhealthy
		rnd $np
		p=$((r + 1))
		if [ $nh -ge 2 ] && healthy $p; then
			if eval "[ \$ptr_$p = tcp ]"; then
				set -- cut slow flap remove ana reset
				rnd 6
			else
				set -- ana reset
				rnd 2
			fi
			shift $r
			rnd 8
			fault_start $p $1 $((2 + r))
		fi
	fi
	nhealthy
	if [ -n "$due" ] && [ $nh -eq $np ]; then
		rnd 10
		nopath $((3 + r))
		last_np=$(now_ms)
		rnd 16
		np_gap=$(((45 + r) * 1000))
	fi
	sleep 1		# the schedule's tick
done
p=1
while [ $p -le $np ]; do eval "[ -z \"\$fk_$p\" ]" || fault_end $p; p=$((p + 1)); done
tc qdisc del dev lo root 2>/dev/null
for h in $h1 $h2; do
	check "soak: $h: all $np paths live again" wait_for 150 live_paths_is $h $np
	for q in $(paths_of $h); do
		attr_is $q mpx_state live || { diag "$q: $(attr $q mpx_state), activated"; echo activate >/sys/block/$q/mpx_state; }
	done
done
wait $f1
r1=$?
wait $f2
r2=$?
t1=$(now_ms)
for n in 1 2; do
	eval "rc=\$r$n"
	fio_clean /tmp/soak$n.out && [ $rc -eq 0 ] || {
		sed 's/^/# /' /tmp/soak$n.out | tail -n 20
		dmesg | grep -Ei 'segfault|fio\[|traps:' | sed 's/^/# dmesg: /' | tail -n 10
	}
	check "soak: head $n: fio verify clean through the faults" fio_clean /tmp/soak$n.out
	# A job that dies (a signal) may have printed a clean report first.
	check "soak: head $n: fio ran to its end (exit status $rc)" [ $rc -eq 0 ]
done
# terse v3: field 6 read KiB, field 47 write KiB (each block written is read
# back and verified: verify_backlog)
kb() { grep '^3;' "$1" | tail -n 1 | cut -d';' -f"$2"; }
wkb=$(($(kb /tmp/soak1.out 47) + $(kb /tmp/soak2.out 47)))
rkb=$(($(kb /tmp/soak1.out 6) + $(kb /tmp/soak2.out 6)))
total=0
for k in cut slow flap remove ana reset nopath; do eval "total=\$((total + n_$k))"; done
check "soak: faults were injected ($total)" [ $total -gt 0 ]
check "soak: I/O was queued in every no-path window ($nq of $n_nopath)" [ $nq -eq $n_nopath ]
[ "$secs" -lt 120 ] || check "soak: there were no-path windows ($n_nopath)" [ $n_nopath -gt 0 ]
for h in $h1 $h2; do diag "$h mpx_stat (failovers requeued failed_no_path quiesced): $(cat /sys/block/$h/mpx_stat)"; done

if [ -e /sys/kernel/debug/kmemleak ]; then
	nvme disconnect-all >/dev/null
	echo scan >/sys/kernel/debug/kmemleak
	echo scan >/sys/kernel/debug/kmemleak
	cat /sys/kernel/debug/kmemleak >/tmp/kmemleak
	[ -s /tmp/kmemleak ] && head -n 40 /tmp/kmemleak | sed 's/^/# /'
	check "soak: kmemleak clean" [ ! -s /tmp/kmemleak ]
else
	diag "kmemleak: not in this kernel (the debug tier has it), skipped"
fi
nvme disconnect-all >/dev/null
check "soak: everything disconnects" wait_for 30 sh -c "! ls /sys/class/nvme | grep -q ."
check "soak: all NVMe modules unload" nvme_unload
diag "SOAK seed=$seed seconds=$secs ticks=$ticks io_seconds=$(((t1 - t0) / 1000))x2 faults=$total" \
	"cut=$n_cut slow=$n_slow flap=$n_flap remove=$n_remove ana=$n_ana reset=$n_reset nopath=$n_nopath" \
	"written_verified=$((wkb / 1024))MiB read=$((rkb / 1024))MiB"
exit $MPX_FAILED
