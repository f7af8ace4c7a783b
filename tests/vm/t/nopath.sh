#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# All paths down. While the controllers reconnect (within ctrl_loss_tmo) I/O
# waits on the head's requeue list and completes, verified, once a path is
# back; once ctrl_loss_tmo has expired, waiting I/O fails cleanly: fio sees
# an error and nothing hangs.
. /mpx/lib.sh
tr=${1:-tcp}
name=nopath-$tr

tgt_setup "$tr" 2 "$name" brd 1 256 || { not_ok "$tr: target set-up"; exit 1; }
mp_connect "$tr" 2 "$name" || { not_ok "$tr: a head with two live paths"; exit 1; }
head=$(head_of "$name")
head_ios() { awk '{print $1 + $5}' "/sys/block/$head/stat"; }
head_ios_above() { [ "$(head_ios)" -gt "$1" ]; }

# 1. Both ports gone for a while, then back: no error, data verified.
fio_verify "$head" 25 >/tmp/np-fio.out 2>&1 &
fpid=$!
wait_for 10 head_ios_above 500
port_unlink 1 "$name"
port_unlink 2 "$name"
check "$tr: both paths leave live state" wait_for 15 live_paths_is "$head" 0
n=$(head_ios)
# Completions must stop while no path exists: watch for 3 s.
if wait_for 3 head_ios_above $((n + 16)); then
	not_ok "$tr: no completions while no path is live"
else
	ok "$tr: no completions while no path is live"
fi
check "$tr: fio still waiting, not failed" kill -0 $fpid
port_link 1 "$name"
port_link 2 "$name"
check "$tr: paths live again" wait_for 20 live_paths_is "$head" 2
check "$tr: waiting I/O completes once a path is back" wait_for 10 head_ios_above $((n + 500))
io_wait $fpid 60 "$head"
rc=$?
[ $rc -eq 0 ] || sed 's/^/# /' /tmp/np-fio.out | tail -n 20
check "$tr: fio verify across the outage passes" [ $rc -eq 0 ]

# 2. Past ctrl_loss_tmo: the I/O fails, promptly and once.
nvme disconnect-all >/dev/null
# The reads must wait on the head before the controllers go: started
# later, they would find no /dev/$head. dd, not fio: fio took 3.4 s to
# start under load in make check, longer than a 3 s ctrl_loss_tmo.
clt=$((5 * MPX_SLOW))
mp_connect "$tr" 2 "$name" 1 --reconnect-delay=1 --ctrl-loss-tmo=$clt ||
	not_ok "$tr: reconnected with ctrl_loss_tmo=$clt"
head=$(head_of "$name")
port_unlink 1 "$name"
port_unlink 2 "$name"
wait_for 15 live_paths_is "$head" 0
rq=$(mpx_stat "$head" 2)
t0=$(now_ms)
dd if="/dev/$head" of=/dev/null bs=4k count=4 iflag=direct >/tmp/np-lost.out 2>&1 &
fpid=$!
requeued_above() { [ "$(mpx_stat "$head" 2)" -gt "$1" ]; }
check "$tr: the reads wait on the head" wait_for 3 requeued_above "$rq"
# Ends by itself: wait for it with a deadline well past ctrl_loss_tmo.
wait_for 30 sh -c "! kill -0 $fpid 2>/dev/null"
if kill -0 $fpid 2>/dev/null; then
	not_ok "$tr: I/O ends after ctrl_loss_tmo (still hanging after 30 s)"
	kill -KILL $fpid
	wait $fpid
else
	wait $fpid
	rc=$?
	diag "dd ended after $(($(now_ms) - t0)) ms with status $rc"
	check "$tr: I/O fails (dd reports an error) after ctrl_loss_tmo" [ $rc -ne 0 ]
	[ $rc -ne 0 ] || { cat /tmp/np-lost.out; ls /dev/nvme*; } | sed 's/^/# /'

fi
check "$tr: the controllers are gone after ctrl_loss_tmo" \
	wait_for 15 sh -c "! ls /sys/class/nvme/ | grep -q nvme"
port_link 1 "$name"
port_link 2 "$name"
exit $MPX_FAILED
