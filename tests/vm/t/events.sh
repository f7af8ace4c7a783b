#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Path events and the failover budget, on two paths.
# Events: the head's change uevents (NVME_MPX_*), collected from the
# kernel's netlink socket by busybox uevent, for an admin fail and
# reinstate, a port removed and restored, a path removed and a new one, a
# quarantine, active-standby's active path moving and moving back, and I/O
# waiting for a path and getting one; each in order, once, with path and
# reason.
# Budget: a read held on a slow target is cut off on both paths in turn;
# with mpx_failover_max 1 it fails with EIO and is counted, with 0 it
# completes. mpx_failover_interval_ms keeps the active path.
. /mpx/lib.sh
tr=${1:-tcp}
name=ev-$tr
EV=/tmp/ev.log

tgt_setup "$tr" 2 "$name" brd 1 64 || { not_ok "$tr: target set-up"; exit 1; }
mp_connect "$tr" 2 "$name" || { not_ok "$tr: a head with two live paths"; exit 1; }
two_paths "$name"

# The collector: one line per event of ours, "EVENT DEV PATH FROM REASON".
# Other block uevents: "other DEV ACTION", to know that it listens.
cat >/tmp/ev-line.sh <<'EOF'
#!/bin/sh
if [ -n "$NVME_MPX_EVENT" ]; then
	echo "$NVME_MPX_EVENT $DEVNAME ${NVME_MPX_PATH:--} ${NVME_MPX_FROM:--} ${NVME_MPX_REASON:--}"
elif [ "$SUBSYSTEM" = block ]; then
	echo "other $DEVNAME $ACTION"
fi >>/tmp/ev.log
EOF
chmod +x /tmp/ev-line.sh
: >/tmp/ev.all
: >$EV
uevent /tmp/ev-line.sh &
upid=$!
# The admin CLI's monitor listens beside it and must see the same events.
nvme-mpx -v monitor --json >/tmp/ev-mon.json 2>/tmp/ev-mon.err &
mpid=$!
wait_for 10 grep -q "listening to kernel uevents" /tmp/ev-mon.err ||
	not_ok "$tr: monitor does not listen"
# It may take a moment to listen: ask until it hears.
heard() { echo change >$H/uevent; sleep 0.2; grep -qx "other $head change" $EV; }
wait_for 20 heard || not_ok "$tr: the uevent collector hears nothing"
diag "paths: $a $(attr "$a" mpx_state), $b $(attr "$b" mpx_state); events so far: $(grep -c . $EV)"

# has_event RE: a line of the log matches RE (for wait_for).
has_event() { grep -qxE "$*" $EV; }
# event_seen DESC RE...: a line matching each RE appears, within 30 s, in
# this order.
event_seen() {
	local d=$1 l prev=0 n
	shift
	for l in "$@"; do
		if ! wait_for 30 has_event "$l"; then
			not_ok "$tr: $d: no event '$l'"
			sed 's/^/# events: /' $EV
			dmesg | grep -E 'nvme-mpx|nvme[0-9]+: ' | tail -n 8 | sed 's/^/# log: /'
			return
		fi
		n=$(grep -nxE "$l" $EV | head -n 1 | cut -d: -f1)
		if [ "$n" -le "$prev" ]; then
			not_ok "$tr: $d: '$l' out of order"
			sed 's/^/# events: /' $EV
			return
		fi
		prev=$n
	done
	ok "$tr: $d: $(echo "$@" | tr '\n' ' ')"
}
# count_is N RE: exactly N lines match RE.
count_is() { [ "$(grep -cxE "$2" $EV)" -eq "$1" ]; }

# ---- admin fail and reinstate ----
echo fail >/sys/block/$a/mpx_state
echo reinstate >/sys/block/$a/mpx_state
event_seen "admin" "path_failed $head $a - admin" "path_reinstated $head $a - admin"
check "$tr: admin: one event each" sh -c "[ \$(grep -vc ^other $EV) -eq 2 ]"

# ---- port removed and restored ----
cat $EV >>/tmp/ev.all; : >$EV
port_unlink 2 "$name"
# Reset or reconnecting: whichever state the controller was seen in first.
event_seen "port removed" "path_failed $head $b - (reset|reconnect)"
port_link 2 "$name"
event_seen "port restored" "path_reinstated $head $b - (reset|reconnect)"
wait_for 30 live_paths_is "$head" 2 || not_ok "$tr: both paths back"

# ---- a path removed for good, and a new one ----
cat $EV >>/tmp/ev.all; : >$EV
nvme disconnect -d "$(ctrl_of "$b")" >/dev/null
# Deleting its controller may take it down before it is removed.
event_seen "path removed" "path_failed $head $b - (delete|removed)"
host_connect "$tr" 2 "$name" --reconnect-delay=1 --ctrl-loss-tmo=60 ||
	not_ok "$tr: reconnect port 2"
wait_for 30 live_paths_is "$head" 2 || not_ok "$tr: a second path again"
two_paths "$name"
event_seen "new path" "path_added $head nvme[0-9]+c[0-9]+n[0-9]+ - new"

# ---- quarantine: two returns within the window ----
cat $EV >>/tmp/ev.all; : >$EV
echo 2 >$H/mpx_flap_limit
echo 5 >$H/mpx_flap_hold_secs
for i in 1 2; do
	echo 1 >"/sys/class/nvme/$(ctrl_of "$a")/reset_controller"
	wait_for 30 attr_is "$a" mpx_state "$([ $i = 2 ] && echo quarantined || echo live)" ||
		not_ok "$tr: reset $i of $a: state $(attr "$a" mpx_state)"
done
# A reset on loopback may be over before the event work looks (no
# path_failed then); the quarantine lasts its hold time.
event_seen "quarantine" "path_quarantined $head $a - flap" "path_reinstated $head $a - flap"
check "$tr: quarantine: reported once" count_is 1 "path_quarantined $head $a - flap"
echo 10 >$H/mpx_flap_limit
echo 60 >$H/mpx_flap_hold_secs

# ---- active-standby: start, failover, failback ----
cat $EV >>/tmp/ev.all; : >$EV
echo active-standby >$H/mpx_iopolicy
echo 10 >/sys/block/$a/mpx_priority
dd if=/dev/$head of=/dev/null bs=4k count=1 iflag=direct 2>/dev/null
event_seen "active" "active_changed $head $a none start"
echo fail >/sys/block/$a/mpx_state
dd if=/dev/$head of=/dev/null bs=4k count=1 iflag=direct 2>/dev/null
event_seen "failover" "path_failed $head $a - admin" "active_changed $head $b $a failover"

# The failover interval keeps b while it is usable, then lets a back.
echo 8000 >$H/mpx_failover_interval_ms
echo reinstate >/sys/block/$a/mpx_state
dd if=/dev/$head of=/dev/null bs=4k count=1 iflag=direct 2>/dev/null
check "$tr: interval: the active path stays on $b" attr_is "$head" mpx_active "$b"
wait_for 20 sh -c "dd if=/dev/$head of=/dev/null bs=4k count=1 iflag=direct 2>/dev/null;
	[ \"\$(cat $H/mpx_active)\" = $a ]" || not_ok "$tr: interval: $a never active again"
event_seen "failback after the interval" "path_reinstated $head $a - admin" \
	"active_changed $head $a $b failback"
echo 0 >$H/mpx_failover_interval_ms
echo numa >$H/mpx_iopolicy

# ---- waiting for a path ----
cat $EV >>/tmp/ev.all; : >$EV
echo fail >/sys/block/$a/mpx_state
echo fail >/sys/block/$b/mpx_state
dd if=/dev/$head of=/dev/null bs=4k count=1 iflag=direct 2>/dev/null &
dpid=$!
event_seen "no path" "queueing_started $head - - no-path"
echo reinstate >/sys/block/$b/mpx_state
event_seen "path back" "queueing_stopped $head - - path"
check "$tr: the parked read completes" wait "$dpid"
echo reinstate >/sys/block/$a/mpx_state
event_seen "all reinstated" "path_reinstated $head $a - admin"
kill $upid $mpid 2>/dev/null
# Every event since the collectors started, in the same order both ways.
cat /tmp/ev.all $EV | grep -v '^other ' >/tmp/ev.raw
jq -r '"\(.event) \(.head) \(.path // "-") \(.from // "-") \(.reason // "-")"' /tmp/ev-mon.json \
	>/tmp/ev.mon 2>/dev/null
check "$tr: monitor saw the same $(grep -c . /tmp/ev.raw) events in the same order" \
	cmp -s /tmp/ev.raw /tmp/ev.mon
cmp -s /tmp/ev.raw /tmp/ev.mon || diff /tmp/ev.raw /tmp/ev.mon | sed 's/^/# diff: /'

# ---- failover budget ----
# inflight_on PATH: a request is in flight on PATH (mpx_stat field 5).
inflight_on() { [ "$(mpx_stat "$1" 5)" -gt 0 ]; }
# cut_twice: a direct read is started and its path's controller reset, then
# the other's, each while the read is held there; dd's status in $st.
either_busy() { inflight_on "$a" || inflight_on "$b"; }
cut_twice() {
	local first second pid
	dd if=/dev/$head of=/dev/null bs=4k count=1 skip=7 iflag=direct 2>/dev/null &
	pid=$!
	wait_for 10 either_busy || not_ok "$tr: budget: the read never started"
	if inflight_on "$a"; then first=$a second=$b; else first=$b second=$a; fi
	echo 1 >"/sys/class/nvme/$(ctrl_of "$first")/reset_controller"
	if ! wait_for 10 inflight_on "$second"; then
		not_ok "$tr: budget: the read did not move to $second"
		diag "controllers: $(path_ctrl_state "$first") $(path_ctrl_state "$second")"
		io_diag "$pid" "$head" "$first" "$second"
	fi
	echo 1 >"/sys/class/nvme/$(ctrl_of "$second")/reset_controller"
	wait $pid
	st=$?
}
# A target whose every I/O takes 2 s (times MPX_SLOW, as the waits) holds
# the read long enough to cut it twice.
mpx_cleanup
modprobe -r null_blk 2>/dev/null
modprobe null_blk nr_devices=1 gb=1 irqmode=2 completion_nsec=$((2000000000 * MPX_SLOW)) ||
	{ not_ok "$tr: slow null_blk"; exit 1; }
# null_blk times its requests out after 5 s: past that (MPX_SLOW 3 gives 6 s)
# the target, not a path, fails the read with a DNR error.
echo 60000 >/sys/block/nullb0/queue/io_timeout ||
	{ not_ok "$tr: slow null_blk: io_timeout 60 s"; exit 1; }
tgt_transport "$tr" && tgt_subsys "$name" /dev/nullb0 && tgt_port "$tr" 1 && tgt_port "$tr" 2 &&
	port_link 1 "$name" && port_link 2 "$name" || { not_ok "$tr: slow target"; exit 1; }
mp_connect "$tr" 2 "$name" || { not_ok "$tr: slow target: two live paths"; exit 1; }
two_paths "$name"
for v in -1 1001 x ''; do
	check "$tr: mpx_failover_max refuses '$v'" sh -c "! echo '$v' 2>/dev/null >$H/mpx_failover_max &&
		[ \$(cat $H/mpx_failover_max) = 0 ]"
done
for v in -1 600001 5s; do
	check "$tr: mpx_failover_interval_ms refuses '$v'" sh -c \
		"! echo '$v' 2>/dev/null >$H/mpx_failover_interval_ms &&
		[ \$(cat $H/mpx_failover_interval_ms) = 0 ]"
done
# Only the resets may cut the read: stall detection would take it off a
# path whose latency average is still 0 after mpx_stall_min_ms, 400 ms,
# too soon for the poll on a slow kernel to see it there (the debug
# kernel's run: "stalls 1" on the second path, the move never seen).
echo 0 >$H/mpx_stall_max_ms 2>/dev/null
echo 1 >$H/mpx_failover_max
before=$(mpx_stat "$head" 5)
t0=$(now_ms)
cut_twice
t1=$(now_ms)
check "$tr: budget 1: the read fails after its second failover (dd $st, $((t1 - t0)) ms)" \
	[ "$st" = 1 ]
check "$tr: budget 1: counted ($before -> $(mpx_stat "$head" 5))" \
	[ "$(mpx_stat "$head" 5)" -eq $((before + 1)) ]
wait_for 30 live_paths_is "$head" 2 || not_ok "$tr: budget: paths back"
echo 0 >$H/mpx_failover_max
cut_twice
check "$tr: no budget: the same read completes (dd $st)" [ "$st" = 0 ]
check "$tr: no budget: not counted" [ "$(mpx_stat "$head" 5)" -eq $((before + 1)) ]
mpx_cleanup
exit $MPX_FAILED
