#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The configuration file against real nvmet targets: /etc/nvme-mpx.conf with
# a defaults section, an array entry (by model), a head entry (by UUID, with
# an alias and a preferred path by port), a path entry and a blacklist is
# applied on connect, each knob reads back as configured and show --config
# names its level; a second apply writes nothing; a knob changed by hand is
# reported as manual; a disconnect and reconnect (new heads, kernel
# defaults) is applied again; a malformed file is rejected with its line
# numbers and changes nothing; the blacklisted subsystem keeps the
# kernel's values throughout.
# The file is applied by udev/71-nvme-mpx.rules run by a real udevd
# (systemd-udevd --daemon, with that rule as its only one): on connect and
# on a reconnect the test only waits for the knobs to read back. udevd is
# stopped at the end, so the other tests of the boot never see it.
. /mpx/lib.sh
tr=${1:-tcp}
name=conf-$tr
skip=skip-$tr
M=nvme-mpx
U1=4f6b37a4-6b4d-4c6e-9a43-0f4ac1d0b7e2
C=/etc/nvme-mpx.conf

command -v $M >/dev/null || { not_ok "$tr: nvme-mpx is in the guest image"; exit 1; }
command -v systemd-udevd >/dev/null && command -v udevadm >/dev/null ||
	{ not_ok "$tr: systemd-udevd and udevadm are in the guest image (make deps: apt-get install udev)"; exit 1; }
R=/usr/share/nvme-mpx/71-nvme-mpx.rules
[ -f $R ] || { not_ok "$tr: $R is in the guest image"; exit 1; }

# subsys_setup NAME MODEL UUID DEV...: a subsystem with model MODEL; its
# first namespace gets UUID (unless "-").
subsys_setup() {
	local s=$CFS/subsystems/$NQN_BASE:$1 n=1 u=$3
	mkdir -p "$s" || return 1
	echo 1 >"$s/attr_allow_any_host"
	echo "$2" >"$s/attr_model" || return 1
	shift 3
	for dev in "$@"; do
		mkdir -p "$s/namespaces/$n"
		echo "$dev" >"$s/namespaces/$n/device_path"
		[ $n -eq 1 ] && [ "$u" != - ] && { echo "$u" >"$s/namespaces/$n/device_uuid" || return 1; }
		echo 1 >"$s/namespaces/$n/enable" || return 1
		n=$((n + 1))
	done
}

tgt_transport "$tr" || { not_ok "$tr: target modules"; exit 1; }
devs=$(tgt_backend brd 3 64) || { not_ok "$tr: backing devices"; exit 1; }
# shellcheck disable=SC2086
set -- $devs
# $skip is on port 2, not 1: the reconnect test below unlinks $name from
# port 1, which must then stop listening. A port still listening for
# another subsystem answers the host's reconnect with a DNR connect error,
# and the host then deletes the controller (seen on the slow debug kernel,
# whose reconnect came before the relink).
subsys_setup "$name" "MPX Test Array" $U1 "$1" "$2" &&
	subsys_setup "$skip" "Skip Array" - "$3" &&
	tgt_port "$tr" 1 && tgt_port "$tr" 2 &&
	port_link 1 "$name" && port_link 2 "$name" && port_link 2 "$skip"
check "$tr: target: $name (2 namespaces, 2 ports), $skip (1 port)" [ $? -eq 0 ]

write_conf() {
	cat >$C <<EOF
# nvme-mpx.conf of the conf test
defaults {
	failback		30
	queue_if_no_path	45
	stall_mult		25
}
blacklist {
	model	"Skip*"
}
array {
	model			"MPX Test*"
	iopolicy		round-robin
	queue_if_no_path	fail
	flap_limit		4
}
head {
	uuid			$U1
	alias			conf-log
	iopolicy		service-time
	preferred		trsvcid=4421
	write_quiesce_ms	250
}
path {
	nqn		"*:$name"
	trsvcid		4420
	priority	200
	weight		7
}
EOF
}
write_conf
check "$tr: config check accepts the file" $M config check

# udevd with our rule only, as make install puts it (the guest's CLI is
# /usr/bin/nvme-mpx); the image holds no other rules.
mkdir -p /etc/udev/rules.d /run/udev
sed "s|@SBINDIR@|/usr/bin|g" $R >/etc/udev/rules.d/71-nvme-mpx.rules
systemd-udevd --daemon --resolve-names=never
wait_for 10 udevadm control --ping
check "$tr: systemd-udevd is running" udevadm control --ping
diag "udev rules: $(ls /etc/udev/rules.d /run/udev/rules.d /lib/udev/rules.d /usr/lib/udev/rules.d 2>/dev/null | tr '\n' ' ')"
# udevd_stop: first every queued event's rule runs to its end (a hung apply
# is a failure of its own), then udevd is told to exit. A worker still in a
# RUN program holds its SIGTERM until the program ends, and the daemon waits
# for its workers, so under TCG the exit is given a deadline of 60 s and, if
# it is missed, what each udevd process is waiting on is printed.
udevd_stop() {
	local t0 p
	check "$tr: udev's event queue is empty: no rule run hung" \
		udevadm settle --timeout=$((60 * MPX_SLOW))
	t0=$(now_ms)
	udevadm control --exit >/dev/null 2>&1
	if wait_for 60 sh -c '! pidof systemd-udevd'; then
		diag "systemd-udevd exited $(($(now_ms) - t0)) ms after udevadm control --exit"
	else
		# udevd, its workers and the RUN programs they wait for
		for p in $(pidof systemd-udevd nvme-mpx); do
			diag "pid $p: $(tr '\0' ' ' </proc/$p/cmdline 2>/dev/null)"
			io_diag "$p"
		done
	fi
	rm -f /etc/udev/rules.d/71-nvme-mpx.rules
}

# connect_all: both subsystems; udevd runs the rule on their uevents.
connect_all() {
	mp_connect "$tr" 2 "$name" 2 || return 1
	host_connect "$tr" 2 "$skip" --reconnect-delay=1 --ctrl-loss-tmo=60 || return 1
	wait_for 10 head_of "$skip"
}

connect_all
check "$tr: connect both subsystems" [ $? -eq 0 ]
udevadm settle --timeout=60
# heads_by_uuid: "H1 H2", H1 the head with UUID U1 (the head entry's):
# head numbers follow the order namespaces are found, not their NSIDs.
heads_by_uuid() {
	local d h a= b=
	d=$(subsys_of "$name") || return 1
	for h in "$d"/nvme*n*; do
		h=$(basename "$h")
		[ -e "/sys/block/$h/uuid" ] || continue
		if [ "$(cat "/sys/block/$h/uuid")" = $U1 ]; then a=$h; else b=$h; fi
	done
	[ -n "$a" ] && [ -n "$b" ] && echo "$a $b"
}
sub=$(subsys_of "$name") sk=$(subsys_of "$skip")
set -- $(heads_by_uuid)
h1=$1 h2=$2 hs=$(head_of "$skip")
check "$tr: the head with UUID $U1 is $h1" [ -n "$h1" ]
diag "heads $h1 $h2 ($name), $hs ($skip)"

# port_path HEAD PORT: the head's path through the controller on PORT.
port_path() {
	local p
	for p in $(paths_of "$1"); do
		grep -q "trsvcid=$2" "/sys/class/nvme/$(ctrl_of "$p")/address" && { echo "$p"; return 0; }
	done
	return 1
}

# configured: every knob of the file reads back on the heads and paths.
configured() {
	local w=$1 p20 p21 h
	p20=$(port_path "$h1" 4420) p21=$(port_path "$h1" 4421)
	check "$tr: $w: subsystem iopolicy round-robin (array)" attr_is_sub "$sub" round-robin
	check "$tr: $w: $h1 iopolicy service-time (head)" attr_is "$h1" mpx_iopolicy service-time
	check "$tr: $w: $h2 inherits round-robin" attr_is "$h2" mpx_iopolicy "round-robin (inherited)"
	for h in $h1 $h2; do
		check "$tr: $w: $h failback 30 (defaults)" attr_is "$h" mpx_failback 30
		check "$tr: $w: $h queue_if_no_path fail (array over defaults)" \
			attr_is "$h" mpx_queue_if_no_path fail
		check "$tr: $w: $h stall_mult 25 (defaults)" attr_is "$h" mpx_stall_mult 25
		check "$tr: $w: $h flap_limit 4 (array)" attr_is "$h" mpx_flap_limit 4
	done
	check "$tr: $w: $h1 write_quiesce_ms 250 (head)" attr_is "$h1" mpx_write_quiesce_ms 250
	check "$tr: $w: $h2 write_quiesce_ms not set (auto)" attr_is "$h2" mpx_write_quiesce_ms auto
	check "$tr: $w: $h1 preferred is its path on port 4421 ($p21)" attr_is "$h1" mpx_preferred "$p21"
	check "$tr: $w: $h2 has no preferred path" attr_is "$h2" mpx_preferred none
	check "$tr: $w: $p20 priority 200, weight 7 (path)" \
		sh -c "[ $(attr "$p20" mpx_priority) = 200 ] && [ $(attr "$p20" mpx_weight) = 7 ]"
	check "$tr: $w: $p21 priority and weight untouched" \
		sh -c "[ $(attr "$p21" mpx_priority) = $prio0 ] && [ $(attr "$p21" mpx_weight) = $weight0 ]"
}
attr_is_sub() { [ "$(cat "$1/iopolicy")" = "$2" ]; }

# applied: a knob of each level reads back as configured (what to wait for;
# configured then checks them all).
applied() {
	attr_is_sub "$sub" round-robin && attr_is "$h1" mpx_iopolicy service-time &&
		attr_is "$h1" mpx_failback 30 && attr_is "$h2" mpx_failback 30 &&
		attr_is "$h2" mpx_flap_limit 4 && attr_is "$h1" mpx_write_quiesce_ms 250 &&
		attr_is "$h1" mpx_preferred "$(port_path "$h1" 4421)" &&
		attr_is "$(port_path "$h1" 4420)" mpx_priority 200
}

# untouched: the blacklisted subsystem and its head keep the kernel's values.
untouched() {
	check "$tr: $1: blacklisted $skip: iopolicy $pol0" attr_is_sub "$sk" "$pol0"
	check "$tr: $1: blacklisted $hs: failback $fb0, queue_if_no_path $qnp0, stall_mult $sm0" \
		sh -c "[ '$(attr "$hs" mpx_failback)' = '$fb0' ] &&
		       [ '$(attr "$hs" mpx_queue_if_no_path)' = '$qnp0' ] &&
		       [ '$(attr "$hs" mpx_stall_mult)' = '$sm0' ]"
}

# The blacklisted head shows what the kernel starts with.
pol0=$(cat "$sk/iopolicy") fb0=$(attr "$hs" mpx_failback)
qnp0=$(attr "$hs" mpx_queue_if_no_path) sm0=$(attr "$hs" mpx_stall_mult)
ps=$(paths_of "$hs")
prio0=$(attr "$ps" mpx_priority) weight0=$(attr "$ps" mpx_weight)
diag "kernel defaults: iopolicy $pol0 failback $fb0 queue_if_no_path $qnp0 stall_mult $sm0 priority $prio0 weight $weight0"
check "$tr: the defaults differ from every configured value" \
	sh -c "[ '$pol0' != round-robin ] && [ '$fb0' != 30 ] && [ '$qnp0' != fail ] &&
	       [ '$sm0' != 25 ] && [ '$prio0' != 200 ] && [ '$weight0' != 7 ]"
wait_for 60 applied
check "$tr: udevd ran the rule: the file is applied on connect, no apply by hand" applied
configured "on connect"
$M apply "$(basename "$sk")" >/tmp/conf-apply.out 2>&1
check "$tr: apply $(basename "$sk") says it is left alone" \
	grep -q "^$(basename "$sk"): blacklisted, left alone" /tmp/conf-apply.out
untouched "on connect"

# ---- show --config ----------------------------------------------------------------
$M show --config --json >/tmp/conf.json 2>/tmp/conf.err
check "$tr: show --config --json is JSON" jq -e . /tmp/conf.json
S=".subsystems[] | select(.name == \"$(basename "$sub")\")"
H1="$S | .heads[] | select(.name == \"$h1\")"
j() { jq -e "$1" /tmp/conf.json >/dev/null; }
check "$tr: show --config: subsystem iopolicy from the array, line 12" \
	j "$S | .iopolicy | .origin == \"array\" and .line == 12 and .value == \"round-robin\""
check "$tr: show --config: $h1 alias conf-log" j "$H1 | .alias == \"conf-log\""
check "$tr: show --config: $h1 iopolicy from the head, line 19" \
	j "$H1 | .knobs.iopolicy | .origin == \"head\" and .line == 19"
check "$tr: show --config: $h1 failback from defaults" j "$H1 | .knobs.failback.origin == \"defaults\""
check "$tr: show --config: $h1 hedge not configured" j "$H1 | .knobs.hedge | .origin == \"kernel\" and .configured == null"
check "$tr: show --config: a path's priority from the path section" \
	j "$H1 | [.paths[].knobs.priority | select(.origin == \"path\")] | length == 1"
check "$tr: show --config: $skip blacklisted" \
	j ".subsystems[] | select(.name == \"$(basename "$sk")\") | .blacklisted == true"
check "$tr: show shows the alias" sh -c "$M show $h1 | grep -q '^  $h1 .*alias=conf-log'"

# ---- idempotence, and a change by hand ------------------------------------------
$M apply >/tmp/conf-apply.out 2>&1
r=$?
check "$tr: apply again exits 0" [ $r -eq 0 ]
check "$tr: ... and writes nothing" grep -q '^apply: 0 written, [0-9]* unchanged, 0 failed' /tmp/conf-apply.out
$M failback "$h2" manual >/dev/null
check "$tr: a failback set by hand shows as manual" \
	sh -c "$M show --config --json $h2 | jq -e '.subsystems[0].heads[0].knobs.failback |
		.origin == \"manual\" and .value == \"manual\" and .configured == \"30\"' >/dev/null"
$M apply "$h2" >/tmp/conf-apply.out 2>&1
check "$tr: apply $h2 puts failback back to 30" attr_is "$h2" mpx_failback 30
check "$tr: ... one knob written" grep -q '^apply: 1 written' /tmp/conf-apply.out

# ---- reconnect: new heads start from the kernel's defaults, apply sets them ------
gone() { ! subsys_of "$name" >/dev/null; }
# udevd holds the events until the kernel's values are read.
udevadm control --stop-exec-queue
nvme disconnect -n "$NQN_BASE:$name" >/dev/null 2>&1
wait_for 20 gone
check "$tr: disconnected: $name is gone" gone
mp_connect "$tr" 2 "$name" 2
check "$tr: reconnected: two heads with two live paths" [ $? -eq 0 ]
sub=$(subsys_of "$name")
set -- $(heads_by_uuid)
h1=$1 h2=$2
diag "after the reconnect: heads $h1 (UUID $U1) $h2"
check "$tr: before the rule runs the new $h1 has the kernel's failback ($fb0)" attr_is "$h1" mpx_failback "$fb0"
udevadm control --start-exec-queue
udevadm settle --timeout=60
wait_for 60 applied
check "$tr: udevd ran the rule: the reconnect is applied again, no apply by hand" applied
configured "after a reconnect"
untouched "after a reconnect"

# ---- a path reconnect: the controller's connected event -------------------------
p20=$(port_path "$h1" 4420)
c20=$(ctrl_of "$p20")
# The module's path events, seen by monitor meanwhile.
$M -v monitor --json >/tmp/conf-mon.json 2>/tmp/conf-mon.err &
mon=$!
# -v: it says so once its socket is bound.
wait_for 10 grep -q "listening to kernel uevents" /tmp/conf-mon.err
check "$tr: monitor is listening" grep -q "listening to kernel uevents" /tmp/conf-mon.err
port_unlink 1 "$name"
wait_for 20 sh -c "[ \"\$(cat /sys/class/nvme/$c20/state)\" != live ]"
port_link 1 "$name"
wait_for 30 sh -c "[ \"\$(cat /sys/class/nvme/$c20/state)\" = live ]"
check "$tr: $c20 reconnected" [ "$(ctrl_state "$c20")" = live ]
# ev_seen EVENT: monitor printed EVENT for $p20 on $h1.
ev_seen() {
	jq -se --arg h "$h1" --arg p "$p20" --arg e "$1" \
		'any(.[]; .head == $h and .path == $p and .event == $e)' /tmp/conf-mon.json >/dev/null
}
# The head's failback (30, from the defaults section) holds the returning
# path for 30 s: it is reported reinstated when the hold ends.
wait_for 60 ev_seen path_reinstated
sed 's/^/# monitor: /' /tmp/conf-mon.json
check "$tr: monitor: path_failed for $p20" ev_seen path_failed
check "$tr: monitor: path_reinstated for $p20" ev_seen path_reinstated
check "$tr: monitor: failed before reinstated" sh -c "jq -r 'select(.path == \"$p20\") | .event' \
	/tmp/conf-mon.json | grep -E 'path_failed|path_reinstated' | head -n 1 | grep -qx path_failed"
check "$tr: monitor: every line is JSON with a reason" sh -c "jq -e 'select(.reason == null and
	(.event | startswith(\"path_\")))' /tmp/conf-mon.json | wc -c | grep -qx 0"
kill "$mon" 2>/dev/null
wait "$mon" 2>/dev/null
$M apply "$c20" >/tmp/conf-apply.out 2>&1
check "$tr: apply $c20 (its connected event) exits 0" [ $? -eq 0 ]
check "$tr: $p20 still priority 200" attr_is "$p20" mpx_priority 200

# ---- a malformed file: rejected with its lines, nothing changes ------------------
snap() {
	for h in $h1 $h2 $hs; do
		for a in iopolicy failback preferred queue_if_no_path write_quiesce_ms stall_mult flap_limit; do
			cat /sys/block/$h/mpx_$a
		done
		for p in $(paths_of "$h"); do cat /sys/block/$p/mpx_priority /sys/block/$p/mpx_weight; done
	done | md5sum
	cat "$sub/iopolicy" "$sk/iopolicy"
}
$M failback "$h1" 77 >/dev/null
before=$(snap)
cat >$C <<EOF
defaults {
	failback 60
	iopolicy queue-depth
	stall_mult 2000
}
head {
	uuid $U1
	alias "two words"
EOF
$M config check >/tmp/conf.out 2>/tmp/conf.err
r=$?
sed 's/^/# check: /' /tmp/conf.err
check "$tr: config check of a malformed file exits 6" [ $r -eq 6 ]
check "$tr: ... line 4: stall_mult out of range" grep -q "^$C:4: stall_mult: '2000'" /tmp/conf.err
check "$tr: ... line 8: the alias" grep -q "^$C:8: alias:" /tmp/conf.err
check "$tr: ... line 6: the head section is not closed" grep -q "^$C:6: section 'head' is not closed" /tmp/conf.err
$M apply >/tmp/conf-apply.out 2>&1
r=$?
check "$tr: apply with the malformed file exits 6" [ $r -eq 6 ]
check "$tr: ... and changes nothing (failback 60 not written)" [ "$before" = "$(snap)" ]
check "$tr: ... $h1 keeps its hand-set failback" attr_is "$h1" mpx_failback 77
untouched "with a malformed file"

# ---- the failover budget knobs, when the loaded module has them ------------------
if [ -e "/sys/block/$h1/mpx_failover_max" ] && [ -e "/sys/block/$h1/mpx_failover_interval_ms" ]; then
	write_conf
	cat >>$C <<EOF
head {
	uuid			$U1
	failover_max		3
	failover_interval_ms	1500
}
EOF
	$M apply "$h1" >/tmp/conf-apply.out 2>&1
	check "$tr: apply of the failover budget exits 0" [ $? -eq 0 ]
	check "$tr: $h1 failover_max 3" attr_is "$h1" mpx_failover_max 3
	check "$tr: $h1 failover_interval_ms 1500" attr_is "$h1" mpx_failover_interval_ms 1500
	check "$tr: ... and the earlier head entry still applies" attr_is "$h1" mpx_iopolicy service-time
else
	diag "the loaded module has no mpx_failover_max / mpx_failover_interval_ms: not tested"
fi

udevd_stop
check "$tr: systemd-udevd stopped" sh -c '! pidof systemd-udevd'
rm -f $C
mpx_cleanup
