#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# ANA transitions driven through nvmet configfs under fio verify: each port's
# ANA group goes optimized, non-optimized, inaccessible, change and back; the
# host's ana_state follows and the per-path counters show I/O only on the
# paths the states allow (optimized first, non-optimized when no optimized).
. /mpx/lib.sh
tr=${1:-tcp}
name=ana-$tr

tgt_setup "$tr" 2 "$name" brd 1 256 || { not_ok "$tr: target set-up"; exit 1; }
mp_connect "$tr" 2 "$name" || { not_ok "$tr: a head with two live paths"; exit 1; }
head=$(head_of "$name")
echo round-robin >"$(subsys_of "$name")/iopolicy"
# paths_of lists by controller; controller i was connected through port i.
set -- $(paths_of "$head")
p1=$1 p2=$2

fio_verify "$head" 120 >/tmp/ana-fio.out 2>&1 &
fpid=$!
wait_for 10 ios_above "$p1" 100

# step S1 S2 BUSY: set port 1 and port 2 to S1 and S2, wait for the host to
# see both, then check that only the paths in BUSY carry new I/O.
step() {
	local s1=$1 s2=$2 busy=$3 a1 a2 d1 d2
	port_ana 1 "$s1"
	port_ana 2 "$s2"
	check "$tr: host sees $p1 $s1, $p2 $s2" \
		wait_for 15 sh -c ". /mpx/lib.sh; ana_is $p1 $s1 && ana_is $p2 $s2"
	a1=$(path_ios "$p1") a2=$(path_ios "$p2")
	case $busy in
	1) wait_for 15 ios_above "$p1" $((a1 + 300)) ;;
	2) wait_for 15 ios_above "$p2" $((a2 + 300)) ;;
	both) wait_for 15 ios_above "$p1" $((a1 + 300)) && wait_for 15 ios_above "$p2" $((a2 + 300)) ;;
	esac
	d1=$(($(path_ios "$p1") - a1)) d2=$(($(path_ios "$p2") - a2))
	diag "$s1/$s2: $p1 +$d1, $p2 +$d2"
	# At most one queue's worth (iodepth 16) may still land on a path that
	# was chosen just before the host saw its new state.
	case $busy in
	1) check "$tr: $s1/$s2: I/O on $p1 only" [ $d1 -ge 300 -a $d2 -le 16 ] ;;
	2) check "$tr: $s1/$s2: I/O on $p2 only" [ $d2 -ge 300 -a $d1 -le 16 ] ;;
	both) check "$tr: $s1/$s2: I/O on both paths" [ $d1 -ge 300 -a $d2 -ge 300 ] ;;
	esac
}
step non-optimized optimized 2
step inaccessible optimized 2
step inaccessible non-optimized 2
step optimized inaccessible 1
step change non-optimized 2
step optimized non-optimized 1
step optimized optimized both
# $fpid is the subshell running fio_verify, which ignores SIGINT like any
# background job of a non-interactive shell: signal fio itself, which
# stops cleanly on SIGINT and still reports verify errors.
killall -INT fio
io_wait $fpid 30 "$head"
fio_clean /tmp/ana-fio.out || sed 's/^/# /' /tmp/ana-fio.out | tail -n 20
check "$tr: fio verify across all ANA transitions" fio_clean /tmp/ana-fio.out
exit $MPX_FAILED
