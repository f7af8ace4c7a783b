#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The CLI on the host: build it with -Werror, then run it against a fake
# sysfs tree (NVME_MPX_SYSFS) with one subsystem, one head and two paths,
# some attributes present and some not: JSON shape, exit codes, writes that
# land in the right file and bad arguments that touch nothing. The real
# kernel is exercised by the VM tests (tests/vm/t/cli.sh).
# Ends with "tools: N passed, M failed".
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAILED: tools: $*" >&2; }
t() {
	local d=$1
	shift
	if "$@" >/dev/null 2>&1; then ok; else bad "$d"; fi
}

if make -s -C "$top/tools" clean all WERROR=1 >/tmp/mpx-tools-build.log 2>&1; then
	ok
else
	cat /tmp/mpx-tools-build.log >&2
	bad "build with -Werror"
	echo "tools: $pass passed, $fail failed"
	exit 1
fi
command -v jq >/dev/null || { bad "jq is missing (apt-get install jq)"; echo "tools: $pass passed, $fail failed"; exit 1; }
M=$top/tools/nvme-mpx
F=$(mktemp -d)
trap 'rm -rf "$F"' EXIT
export NVME_MPX_SYSFS=$F
mkdir -p "$F/class/nvme-subsystem/nvme-subsys0/nvme0n1" "$F/block/nvme0n1/diag" \
	"$F/block/nvme0c0n1/diag" "$F/block/nvme0c1n1" "$F/class/nvme/nvme0" "$F/class/nvme/nvme1"
echo nqn.2026-11.test:fake >"$F/class/nvme-subsystem/nvme-subsys0/subsysnqn"
echo numa >"$F/class/nvme-subsystem/nvme-subsys0/iopolicy"
echo "numa (inherited)" >"$F/block/nvme0n1/mpx_iopolicy"
echo immediate >"$F/block/nvme0n1/mpx_failback"
echo "3 1 0" >"$F/block/nvme0n1/mpx_stat"
echo 5 >"$F/block/nvme0n1/diag/io_requeue_no_usable_path_count"
for p in nvme0c0n1 nvme0c1n1; do
	echo optimized >"$F/block/$p/ana_state"
	echo 1 >"$F/block/$p/ana_grpid"
	echo "10 0 80 0 5 0 40 0 2 0 0 0 0 0 0 0 0" >"$F/block/$p/stat"
done
echo live >"$F/block/nvme0c0n1/mpx_state"
echo 1 >"$F/block/nvme0c0n1/mpx_weight"
echo "100 409600 2 1 3 25000 4 1" >"$F/block/nvme0c0n1/mpx_stat"
echo auto >"$F/block/nvme0n1/mpx_queue_if_no_path"
echo 10 >"$F/block/nvme0n1/mpx_stall_mult"
echo auto >"$F/block/nvme0n1/mpx_write_quiesce_ms"
echo none >"$F/block/nvme0n1/mpx_multiplex"
echo off >"$F/block/nvme0n1/mpx_hedge"
echo 0 >"$F/block/nvme0n1/mpx_multiplex_rt"
echo "12 1 30 9" >"$F/block/nvme0n1/mpx_mux_stat"
echo 7 >"$F/block/nvme0c0n1/diag/command_error_count"
for c in 0 1; do
	echo tcp >"$F/class/nvme/nvme$c/transport"
	echo "traddr=127.0.0.1,trsvcid=442$c" >"$F/class/nvme/nvme$c/address"
	echo live >"$F/class/nvme/nvme$c/state"
done
snap() { find "$F" -type f | sort | xargs cat | sha1sum; }
# rc WANT CMD...: CMD exits WANT.
rc() {
	local want=$1 r
	shift
	"$M" "$@" >/tmp/mpx-tools.out 2>/tmp/mpx-tools.err
	r=$?
	[ "$r" -eq "$want" ] || { echo "nvme-mpx $*: exit $r, wanted $want: $(cat /tmp/mpx-tools.err)" >&2; return 1; }
}

J=$("$M" show --json)
jqt() { t "json: $1" jq -e "$1" <<<"$J"; }
t "show --json is JSON" jq -e . <<<"$J"
jqt '.version == 1'
jqt '.subsystems[0].name == "nvme-subsys0" and .subsystems[0].nqn == "nqn.2026-11.test:fake"'
jqt '.subsystems[0].heads[0] | .iopolicy == "numa" and .iopolicy_inherited == true'
jqt '.subsystems[0].heads[0] | .failback == "immediate" and .preferred == null and .multiplex == "none"'
jqt '.subsystems[0].heads[0].mpx_stat == {"failovers": 3, "requeued": 1, "failed_no_path": 0, "quiesced": null, "fo_exhausted": null}'
jqt '.subsystems[0].heads[0] | .queue_if_no_path == "auto" and .stall_mult == 10 and .write_quiesce_ms == "auto"'
jqt '.subsystems[0].heads[0] | .stall_min_ms == null and .flap_limit == null'
jqt '.subsystems[0].heads[0].diag.io_requeue_no_usable_path_count == 5'
jqt '.subsystems[0].heads[0].diag.io_fail_no_available_path_count == null'
jqt '[.subsystems[0].heads[0].paths[].name] == ["nvme0c0n1", "nvme0c1n1"]'
jqt '.subsystems[0].heads[0].paths[0] | .controller == "nvme0" and .transport == "tcp" and .ctrl_state == "live"'
jqt '.subsystems[0].heads[0].paths[0].mpx_stat == {"ios": 100, "bytes": 409600, "errors": 2,
	"failovers": 1, "inflight": 3, "lat_ewma_ns": 25000, "stalls": 4, "quarantines": 1}'
jqt '.subsystems[0].heads[0].paths[1] | .mpx_stat == null and .state == null and .weight == null'
jqt '.subsystems[0].heads[0].paths[1].io == {"ios": 15, "bytes": 61440, "inflight": 2}'
t "show text names the paths" sh -c "'$M' show | grep -q '^    nvme0c1n1 nvme1 tcp '"
t "stats reads mpx_stat" sh -c "'$M' stats nvme0n1 | grep -Eq '^nvme0c0n1 +live +100 .* 25.0 +2 +1\$'"
t "stats falls back to the block stat" sh -c "'$M' stats nvme0n1 | grep -Eq '^nvme0c1n1 +live +15 .* - +- +-\$'"

t "policy subsystem" rc 0 policy nvme-subsys0 round-robin
t "... written" grep -qx round-robin "$F/class/nvme-subsystem/nvme-subsys0/iopolicy"
t "policy by NQN" rc 0 policy nqn.2026-11.test:fake queue-depth
t "policy head inherit" rc 0 policy /dev/nvme0n1 inherit
t "... written" grep -qx inherit "$F/block/nvme0n1/mpx_iopolicy"
t "weight" rc 0 weight nvme0c0n1 1000
t "... written" grep -qx 1000 "$F/block/nvme0c0n1/mpx_weight"
t "fail" rc 0 fail nvme0c0n1
t "... written" grep -qx fail "$F/block/nvme0c0n1/mpx_state"
t "failback seconds" rc 0 failback nvme0n1 86400
t "queue-if-no-path" rc 0 queue-if-no-path nvme0n1 forever
t "... written" grep -qx forever "$F/block/nvme0n1/mpx_queue_if_no_path"
t "tune stall-mult" rc 0 tune nvme0n1 stall-mult 1000
t "... written" grep -qx 1000 "$F/block/nvme0n1/mpx_stall_mult"
t "tune write-quiesce-ms auto" rc 0 tune nvme0n1 write-quiesce-ms auto
t "tune multiplex-rt" rc 0 tune nvme0n1 multiplex-rt 1
t "... written" grep -qx 1 "$F/block/nvme0n1/mpx_multiplex_rt"
t "hedge auto" rc 0 hedge nvme0n1 auto
t "... written" grep -qx auto "$F/block/nvme0n1/mpx_hedge"
long=$(awk 'BEGIN { for (i = 0; i < 64; i++) printf "%s%d-%d", i ? "," : "", i * 100000000, i * 100000000 + 7 }')
t "multiplex takes 64 long ranges (${#long} characters)" rc 0 multiplex nvme0n1 "$long"
t "... written whole" grep -qx "$long" "$F/block/nvme0n1/mpx_multiplex"
t "... and shown whole" sh -c "$M show --json | jq -e --arg l '$long' '.subsystems[0].heads[0].multiplex == \$l' >/dev/null"
J=$($M show --json)
jqt '.subsystems[0].heads[0] | .hedge == "auto" and .multiplex_rt == 1 and
	.mux_stat == {"multiplexed": 12, "degraded": 1, "hedged": 30, "hedge_won": 9}'
t "show: the multiplexing counters" sh -c "$M show | grep -q 'multiplexed=12 mux_degraded=1 hedged=30 hedge_won=9'"
echo none >"$F/block/nvme0n1/mpx_multiplex"
t "reset-stats head resets head and path counters" rc 0 reset-stats nvme0n1
t "... head" grep -qx 0 "$F/block/nvme0n1/diag/io_requeue_no_usable_path_count"
t "... path" grep -qx 0 "$F/block/nvme0c0n1/diag/command_error_count"

before=$(snap)
t "absent attribute: exit 5" rc 5 weight nvme0c1n1 3
t "absent attribute: exit 5 (prefer)" rc 5 prefer nvme0n1 nvme0c1n1
t "absent counters: exit 5" rc 5 reset-stats nvme0c1n1
t "absent knob: exit 5" rc 5 tune nvme0n1 flap-limit 3
t "no such head: exit 3" rc 3 policy nvme5n1 numa
t "no such path: exit 3" rc 3 fail nvme0c7n1
t "no such subsystem: exit 3" rc 3 policy nqn.2026-11.test:other numa
for args in "" "bogus" "policy nvme0n1" "policy nvme0n1 bogus" "policy nvme-subsys0 inherit" \
	"policy sda numa" "weight nvme0c0n1 0" "weight nvme0c0n1 1001" "weight nvme0c0n1 +5" \
	"priority nvme0c0n1 256" "priority nvme0c0n1 0x10" "failback nvme0n1 0" \
	"failback nvme0n1 1.5" "prefer nvme0n1 nvme1c0n1" "prefer nvme0n1 nvme0n1" "fail nvme0n1" \
	"stats" "stats -w 0 nvme0n1" "stats -c 2 nvme0n1" "show --xml" "show nvme0n1 nvme0n1" \
	"multiplex nvme0n1" "queue-if-no-path nvme0n1 -1" "queue-if-no-path nvme0n1 later" \
	"tune nvme0n1 stall-mult 1001" "tune nvme0n1 stall-min-ms 9" "tune nvme0n1 nope 1" \
	"tune nvme0n1 write-quiesce-ms 600001" "tune nvme0n1 stall-mult" \
	"tune nvme0n1 multiplex-rt 2" "tune nvme0n1 multiplex-rt -1" "hedge nvme0n1" \
	"multiplex nvme0n1 $(printf '%04001d' 0)"; do
	# shellcheck disable=SC2086
	t "'$args': exit 2" rc 2 $args
done
t "bad arguments changed nothing" [ "$before" = "$(snap)" ]

# ---- the configuration parser's unit tests (ASan and UBSan when gcc has them) ----
san=SANITIZE=1
echo 'int main(void) { return 0; }' | gcc -fsanitize=address,undefined -x c - -o "$F/.san" 2>/dev/null || {
	san=
	echo "tools: note: no AddressSanitizer (apt-get install libasan8 libubsan1): parser tests without it" >&2
}
rm -f "$F/.san"
if make -s -C "$top/tools" -B test-conf WERROR=1 $san >/tmp/mpx-tools-build.log 2>&1; then
	"$top/tools/test-conf" 3000 >/tmp/mpx-conf-test.out 2>&1
	r=$?
	line=$(grep -E '^conf: [0-9]+ passed, [0-9]+ failed$' /tmp/mpx-conf-test.out)
	if [ -n "$line" ]; then
		set -- $line
		pass=$((pass + $2)) fail=$((fail + $4))
	fi
	if [ "$r" -ne 0 ] && [ -z "$line" -o "${4:-0}" = 0 ]; then
		cat /tmp/mpx-conf-test.out >&2
		bad "test-conf crashed or leaked (exit $r)"
	elif [ "$r" -ne 0 ]; then
		grep FAILED /tmp/mpx-conf-test.out >&2
	fi
	rm -f "$top/tools/test-conf"
else
	cat /tmp/mpx-tools-build.log >&2
	bad "build test-conf"
fi

# ---- configuration: config check, apply, show --config on the fake tree -----------
export NVME_MPX_RUNDIR=$F.run
trap 'rm -rf "$F" "$F.run" "$F.inst"' EXIT
S0=$F/class/nvme-subsystem/nvme-subsys0
echo "Example Box 9000" >"$S0/model"
echo SER0 >"$S0/serial"
echo round-robin >"$S0/iopolicy"
echo 4F6B37A4-6B4D-4C6E-9A43-0F4AC1D0B7E2 >"$F/block/nvme0n1/uuid"
echo "numa (inherited)" >"$F/block/nvme0n1/mpx_iopolicy"
echo immediate >"$F/block/nvme0n1/mpx_failback"
echo none >"$F/block/nvme0n1/mpx_preferred"
echo auto >"$F/block/nvme0n1/mpx_queue_if_no_path"
echo 10 >"$F/block/nvme0n1/mpx_stall_mult"
for p in nvme0c0n1 nvme0c1n1; do
	echo 128 >"$F/block/$p/mpx_priority"
	echo 1 >"$F/block/$p/mpx_weight"
done
# A second subsystem, to be blacklisted.
S1=$F/class/nvme-subsystem/nvme-subsys1
mkdir -p "$S1/nvme1n1" "$F/block/nvme1n1"
echo nqn.2026-11.test:skipped >"$S1/subsysnqn"
echo "Skip Me" >"$S1/model"
echo SER1 >"$S1/serial"
echo numa >"$S1/iopolicy"
echo "numa (inherited)" >"$F/block/nvme1n1/mpx_iopolicy"
echo immediate >"$F/block/nvme1n1/mpx_failback"
C=$F.conf
cat >"$C" <<'CONF'
# nvme-mpx.conf for the fake tree
defaults {
	iopolicy queue-depth
	failback 30
}
blacklist {
	model "Skip*"
}
array {
	vendor test
	model "Example Box*"
	queue_if_no_path fail
	stall_mult 20
}
head {
	uuid 4f6b37a46b4d4c6e9a430f4ac1d0b7e2
	alias db-log
	iopolicy service-time
	preferred trsvcid=4421
}
path {
	traddr 127.0.0.1
	trsvcid 4420
	priority 200
}
CONF
t "config check: a valid file" rc 0 config check "$C"
t "... says OK" grep -q "^$C: OK: 1 defaults, 1 blacklist, 0 blacklist_exceptions, 1 array, 1 head, 1 path" /tmp/mpx-tools.out
printf 'defaults {\n\tfailback 30\n\tfailback soon\n}\nhead {\n\tuuid 12\n}\narray {\n\tbogus 1\n' >"$C.bad"
t "config check: errors exit 6" rc 6 config check "$C.bad"
for e in "$C.bad:3: failback given twice" "$C.bad:6: uuid: '12' is not 32 hex digits" \
	"$C.bad:9: unknown keyword 'bogus'" "$C.bad:8: section 'array' is not closed" \
	"$C.bad: 4 errors"; do
	t "... reports '$e'" grep -qF "$e" /tmp/mpx-tools.err
done
t "config check: no such file, exit 3" rc 3 config check "$F/none.conf"
t "apply -c missing file: exit 3" rc 3 -c "$F/none.conf" apply
before=$(snap)
t "apply with a malformed file: exit 6" rc 6 -c "$C.bad" apply
t "... names the lines" grep -qF "$C.bad:3:" /tmp/mpx-tools.err
t "... and changed nothing" [ "$before" = "$(snap)" ]
t "... nor recorded anything" [ ! -e "$F.run" ]

export NVME_MPX_CONF=$C
t "apply" rc 0 apply
t "... subsystem iopolicy from defaults" grep -qx queue-depth "$S0/iopolicy"
t "... head iopolicy from the head entry" grep -qx service-time "$F/block/nvme0n1/mpx_iopolicy"
t "... failback from defaults" grep -qx 30 "$F/block/nvme0n1/mpx_failback"
t "... queue_if_no_path from the array" grep -qx fail "$F/block/nvme0n1/mpx_queue_if_no_path"
t "... stall_mult from the array" grep -qx 20 "$F/block/nvme0n1/mpx_stall_mult"
t "... preferred: the path on port 4421" grep -qx nvme0c1n1 "$F/block/nvme0n1/mpx_preferred"
t "... priority of the path on port 4420" grep -qx 200 "$F/block/nvme0c0n1/mpx_priority"
t "... not of the other" grep -qx 128 "$F/block/nvme0c1n1/mpx_priority"
t "... the blacklisted subsystem's iopolicy untouched" grep -qx numa "$S1/iopolicy"
t "... nor its head" grep -qx immediate "$F/block/nvme1n1/mpx_failback"
t "... says it left it alone" grep -q "^nvme-subsys1: blacklisted, left alone" /tmp/mpx-tools.out
t "... 7 written" grep -q "^apply: 7 written, 0 unchanged, 0 failed, 1 skipped" /tmp/mpx-tools.out
before=$(snap)
t "apply again" rc 0 apply
t "... writes nothing (idempotent)" grep -q "^apply: 0 written, 7 unchanged, 0 failed" /tmp/mpx-tools.out
t "... changes nothing" [ "$before" = "$(snap)" ]
for i in 1 2 3 4 5 6; do "$M" apply nvme0n1 >/dev/null 2>"$F.par$i" & done
wait
t "six applies at once (as udev runs them): no warning" sh -c "! cat $F.par* | grep -q ."
rm -f "$F".par*
t "... the records intact: the next apply writes nothing" rc 0 apply
t "... 0 written" grep -q "^apply: 0 written, 7 unchanged, 0 failed" /tmp/mpx-tools.out
t "... no temporary file left" sh -c "! ls '$F.run' | grep -q '\.[0-9]'"
t "apply nvme1n1 (blacklisted)" rc 0 apply nvme1n1
t "... leaves it alone" grep -qx immediate "$F/block/nvme1n1/mpx_failback"

J=$("$M" show --config --json)
jqt() { t "config json: $1" jq -e "$1" <<<"$J"; }
jqt '.version == 1 and .config == "'"$C"'"'
jqt '.subsystems[0] | .blacklisted == false and .iopolicy.value == "queue-depth" and .iopolicy.origin == "defaults" and .iopolicy.line == 3'
jqt '.subsystems[1].blacklisted == true'
jqt '.subsystems[0].heads[0] | .name == "nvme0n1" and .alias == "db-log"'
jqt '.subsystems[0].heads[0].knobs.iopolicy | .value == "service-time" and .origin == "head" and .line == 18'
jqt '.subsystems[0].heads[0].knobs.failback | .value == "30" and .origin == "defaults" and .pending == false'
jqt '.subsystems[0].heads[0].knobs.queue_if_no_path | .origin == "array" and .line == 12'
jqt '.subsystems[0].heads[0].knobs.preferred | .value == "nvme0c1n1" and .configured == "trsvcid=4421"'
jqt '.subsystems[0].heads[0].knobs.write_quiesce_ms | .origin == "kernel" and .configured == null'
jqt '.subsystems[0].heads[0].knobs.failover_max | .value == null and .origin == "kernel"'
jqt '.subsystems[0].heads[0].paths[0].knobs.priority | .value == "200" and .origin == "path" and .line == 24'
jqt '.subsystems[0].heads[0].paths[1].knobs.priority | .value == "128" and .origin == "kernel"'
echo 99 >"$F/block/nvme0n1/mpx_failback"
echo round-robin >"$F/block/nvme0n1/mpx_iopolicy"
J=$("$M" show --config --json)
jqt '.subsystems[0].heads[0].knobs.failback | .value == "99" and .origin == "manual" and .configured == "30" and .level == "defaults"'
jqt '.subsystems[0].heads[0].knobs.iopolicy | .value == "round-robin" and .origin == "manual"'
t "show --config text: manual with what is configured" sh -c \
	"'$M' show --config nvme0n1 | grep -Eq '^    failback +99 +manual \(configured: 30, defaults line 4\)'"
t "show --config text: the alias" sh -c "'$M' show --config nvme0n1 | grep -q '^  nvme0n1 alias=db-log'"
t "show: the alias" sh -c "'$M' show | grep -q '^  nvme0n1 .* alias=db-log'"
t "show --json: the alias" sh -c "'$M' show --json | jq -e '.subsystems[0].heads[0].alias == \"db-log\"' >/dev/null"
t "apply nvme0c0n1 re-applies its head" rc 0 apply nvme0c0n1
t "... failback back to 30" grep -qx 30 "$F/block/nvme0n1/mpx_failback"
t "... and the head's iopolicy back to service-time" grep -qx service-time "$F/block/nvme0n1/mpx_iopolicy"
t "... two knobs written" grep -q "^apply: 2 written, " /tmp/mpx-tools.out
J=$("$M" show --config --json)
jqt '.subsystems[0].heads[0].knobs.failback.origin == "defaults"'

# Partial failure: a knob the module lacks fails, the rest is applied.
cat >"$C.part" <<'CONF'
defaults {
	failover_max 5
	failback manual
	failover_interval_ms 100
}
CONF
t "apply with a knob the module lacks: exit 5" rc 5 -c "$C.part" apply nvme-subsys0
t "... names it" grep -q "mpx_failover_max is not supported" /tmp/mpx-tools.err
t "... still applies the rest" grep -qx manual "$F/block/nvme0n1/mpx_failback"
t "... counts the failures" grep -q "^apply: 1 written, 0 unchanged, 2 failed" /tmp/mpx-tools.out
t "apply by NQN" rc 0 apply nqn.2026-11.test:fake
t "apply by controller" rc 0 apply nvme1
before=$(snap)
for args in "apply nvme5n1:3" "apply nvme0c9n1:3" "apply nvme7:3" "apply bogus:2" "apply nvme0n1 nvme0n1:2" \
	"apply --all:2" "config:2" "config lint:2" "config check a b:2" "show --config --yaml:2" \
	"-c:2" "monitor --count 0:2" "monitor --bogus:2"; do
	# shellcheck disable=SC2086
	t "'${args%:*}': exit ${args##*:}" rc "${args##*:}" ${args%:*}
done
t "bad apply arguments changed nothing" [ "$before" = "$(snap)" ]
unset NVME_MPX_CONF

# ---- monitor: uevents in the kernel's netlink layout ------------------------------
ev() { printf '%s\0' "$@"; }
{
	ev "add@/devices/virtual/nvme-subsystem/nvme-subsys0/nvme0n1" ACTION=add SUBSYSTEM=block \
		DEVNAME=nvme0n1 SEQNUM=1
	ev "change@/devices/virtual/nvme-subsystem/nvme-subsys0/nvme0n1" ACTION=change \
		DEVPATH=/devices/virtual/nvme-subsystem/nvme-subsys0/nvme0n1 SUBSYSTEM=block \
		DEVNAME=nvme0n1 DEVTYPE=disk NVME_MPX_EVENT=path_failed NVME_MPX_PATH=nvme0c1n1 \
		NVME_MPX_REASON=io-error SEQNUM=2
	ev "change@/devices/virtual/nvme-fabrics/ctl/nvme1" ACTION=change SUBSYSTEM=nvme \
		DEVNAME=nvme1 NVME_EVENT=connected NVME_MPX_EVENT=path_failed SEQNUM=3
	ev "libudev" ACTION=change SUBSYSTEM=block DEVNAME=nvme0n1 NVME_MPX_EVENT=path_failed
	ev "change@/devices/virtual/nvme-subsystem/nvme-subsys0/nvme0n1" ACTION=change \
		SUBSYSTEM=block DEVNAME=nvme0n1 NVME_MPX_EVENT=active_changed \
		NVME_MPX_PATH=nvme0c0n1 NVME_MPX_FROM=nvme0c1n1 NVME_MPX_REASON=failback SEQNUM=4
	ev "change@/devices/virtual/nvme-subsystem/nvme-subsys0/nvme0n1" ACTION=change \
		SUBSYSTEM=block DEVNAME=nvme0n1 DISK_MEDIA_CHANGE=1 SEQNUM=5
	ev "change@/devices/virtual/nvme-subsystem/nvme-subsys0/nvme0n1" ACTION=change \
		SUBSYSTEM=block DEVNAME=nvme0n1 NVME_MPX_EVENT=queueing_started NVME_MPX_REASON=removed \
		SEQNUM=6
} >"$F.ev"
t "monitor --replay" rc 0 monitor --replay "$F.ev"
t "... three events of ours" [ "$(wc -l </tmp/mpx-tools.out)" -eq 3 ]
# line N RE: line N of the monitor's output matches RE.
line() { sed -n "$1p" /tmp/mpx-tools.out | grep -Eq "$2"; }
t "... path_failed" line 1 '^20[0-9-]{8}T[0-9:.]{15}Z nvme0n1 path_failed path=nvme0c1n1 reason=io-error$'
t "... active_changed with from" line 2 'Z nvme0n1 active_changed path=nvme0c0n1 from=nvme0c1n1 reason=failback$'
t "... queueing_started without path" line 3 'Z nvme0n1 queueing_started reason=removed$'
"$M" monitor --json --replay - <"$F.ev" >/tmp/mpx-mon.json
t "monitor --json: one object a line" [ "$(jq -c . /tmp/mpx-mon.json | wc -l)" -eq 3 ]
t "... fields" jq -se '.[1] | .head == "nvme0n1" and .event == "active_changed" and
	.path == "nvme0c0n1" and .from == "nvme0c1n1" and .reason == "failback" and .seqnum == 4' /tmp/mpx-mon.json
t "... nulls for what is absent" jq -se '.[2] | .path == null and .from == null and .seqnum == 6' /tmp/mpx-mon.json
t "monitor --count 1" sh -c "'$M' monitor --count 1 --replay '$F.ev' | wc -l | grep -qx 1"
head -c 200 /dev/urandom >"$F.junk"
t "monitor on junk input exits 0" rc 0 monitor --replay "$F.junk"

# ---- install.sh puts the udev rule and the example in, uninstall takes them out ----
D=$F.inst
mkdir -p "$D/mods/host" "$D/root/lib/modules/6.12.118+deb12-amd64"
echo "not a module" >"$D/mods/host/fake.ko"
tree() { (cd "$D/root" && find . ! -name 'modules.*' | sort); }
before=$(tree)
I="sh $top/scripts/install.sh -d $D/root -k 6.12.118+deb12"
t "install.sh: -u without -t refused" sh -c "! $I -m '$D/mods' -u '$top/udev/71-nvme-mpx.rules' install"
t "... installed nothing" [ "$before" = "$(tree)" ]
t "install.sh with the rule and the example" sh -c "$I -m '$D/mods' -t '$M' -u '$top/udev/71-nvme-mpx.rules' \
	-e '$top/tools/nvme-mpx.conf.example' install"
R=$D/root/usr/lib/udev/rules.d/71-nvme-mpx.rules
t "... into the -amd64 tree: +deb12 without a flavour is amd64" \
	sh -c "find '$D/root/lib/modules/6.12.118+deb12-amd64/updates/nvme-mpx' -name fake.ko | grep -q ."
t "... the rule is in /usr/lib/udev/rules.d" [ -f "$R" ]
t "... runs the installed CLI" grep -q 'RUN+="/usr/local/sbin/nvme-mpx apply $kernel"' "$R"
t "... every RUN does, no @SBINDIR@ left" sh -c "! grep -q @SBINDIR@ '$R' &&
	[ \$(grep -c 'RUN+=' '$R') -eq \$(grep -c 'RUN+=\"/usr/local/sbin/nvme-mpx apply \$kernel\"' '$R') ]"
t "... for subsystems, heads and controllers" sh -c "grep -q 'SUBSYSTEM==\"nvme-subsystem\"' '$R' &&
	grep -q 'ENV{DEVTYPE}==\"disk\"' '$R' && grep -q 'ENV{NVME_EVENT}==\"connected\"' '$R'"
t "... the example" [ -f "$D/root/usr/local/share/doc/nvme-mpx/nvme-mpx.conf.example" ]
t "... which is valid" rc 0 config check "$D/root/usr/local/share/doc/nvme-mpx/nvme-mpx.conf.example"
t "install.sh uninstall" sh -c "$I uninstall"
t "... leaves the tree as it was" [ "$before" = "$(tree)" ]
# Any release that is not Debian's, such as the debug tier's kernel, is
# taken as given.
mkdir -p "$D/root/lib/modules/6.12.118-mpx-debug"
t "install.sh: a release that is not Debian's is as given" sh -c "sh '$top/scripts/install.sh' -d '$D/root' \
	-k 6.12.118-mpx-debug -m '$D/mods' install && find '$D/root/lib/modules/6.12.118-mpx-debug' -name fake.ko | grep -q ."
rm -rf "$D"

# ---- argument fuzzing ----------------------------------------------------
# Every subcommand with seeded random and boundary arguments, run by a copy
# built with ASan and UBSan where the compiler has them: the exit status
# must be one of the documented MPX_EXIT_* codes (0-5), never a signal or
# a sanitizer report, and a non-zero exit must leave the tree untouched.
# The tree is put back after any run that succeeded. TOOLS_SEED replays a
# run, TOOLS_FUZZ_N sets how many.
seed=${TOOLS_SEED:-$(od -An -N2 -tu2 /dev/urandom | tr -d ' ')}
nrun=${TOOLS_FUZZ_N:-800}
echo "tools: fuzz seed $seed ($nrun runs; replay: TOOLS_SEED=$seed bash tests/tools.sh)"
RANDOM=$seed
FM=$top/tools/nvme-mpx-san
if [ -n "$san" ] && make -s -C "$top/tools" -B nvme-mpx-san WERROR=1 >/tmp/mpx-tools-asan.log 2>&1; then
	export ASAN_OPTIONS=detect_leaks=0:exitcode=99 UBSAN_OPTIONS=halt_on_error=1:exitcode=98
elif [ -n "$san" ]; then
	# gcc has the sanitizers: a build that fails is ours to fix, and
	# must not quietly turn the fuzz into one without them.
	t "the CLI builds with ASan/UBSan (see /tmp/mpx-tools-asan.log)" false
	FM=$M
else
	echo "tools: no ASan/UBSan (apt-get install libasan8 libubsan1); fuzzing the plain binary"
	FM=$M
fi
P=$F.pristine
cp -a "$F" "$P"
trap 'rm -rf "$F" "$P" "$top/tools/nvme-mpx-san"' EXIT
s0=$(snap)
long=$(printf '%05000d' 7)
words=(nvme0n1 /dev/nvme0n1 nvme0c0n1 nvme0c1n1 nvme-subsys0 nqn.2026-11.test:fake nvme5n1
	nvme0 sda /dev/null .. / '' ' ' $'\n' $'\t' - -- -v -h --json --watch -w --count -c
	0 -1 1 255 256 1000 1001 86400 86401 600000 600001 4294967295 4294967296
	18446744073709551615 18446744073709551616 99999999999999999999999999 0x10 1e3 1.5 +1
	' 1' '1 ' $'1\n' numa round-robin queue-depth active-standby service-time weighted inherit
	immediate manual followover auto fail forever off all none 0-1 0-0 5-4 1-2,3-4 0-
	write-quiesce-ms stall-mult stall-min-ms stall-max-ms flap-limit flap-window-secs
	flap-hold-secs multiplex-rt nope "$long" $'\xff\xfe' $'\xc0\x80' '%s%n%s' '$(true)')
cmds=(show stats policy prefer fail reinstate activate priority weight failback
	queue-if-no-path tune multiplex hedge reset-stats help bogus -v --version -h '')
rword() {	# one random argument: a pool word, random printable or random bytes
	local r=$((RANDOM % 10)) n i o=
	if [ $r -lt 7 ]; then
		printf '%s' "${words[RANDOM % ${#words[@]}]}"
		return
	fi
	n=$((1 + RANDOM % 40))
	for ((i = 0; i < n; i++)); do
		if [ $r -lt 9 ]; then
			o+=$(printf "\\x$(printf %x $((32 + RANDOM % 95)))")
		else
			o+=$(printf "\\x$(printf %x $((1 + RANDOM % 255)))")
		fi
	done
	printf '%s' "$o"
}
fz_runs=0 fz_bad=0 fz_ok=0
declare -A fz_rc=()
for ((k = 0; k < nrun; k++)); do
	args=("${cmds[RANDOM % ${#cmds[@]}]}")
	na=$((RANDOM % 5))
	# Half the time a real object first, so the checks behind it run too.
	if [ $na -gt 0 ] && [ $((RANDOM % 2)) -eq 0 ]; then
		objs=(nvme0n1 nvme0c0n1 nvme0c1n1 nvme-subsys0)
		args+=("${objs[RANDOM % 4]}")
		na=$((na - 1))
	fi
	for ((j = 0; j < na; j++)); do args+=("$(rword)"); done
	timeout 3 "$FM" "${args[@]}" >/dev/null 2>/tmp/mpx-fuzz.err
	r=$?
	fz_runs=$((fz_runs + 1))
	fz_rc[$r]=$((${fz_rc[$r]:-0} + 1))
	why=
	if [ $r -eq 124 ]; then
		# A watch runs until stopped; anything else must end by itself.
		[[ " ${args[*]} " == *" stats "*" -w"* || " ${args[*]} " == *" stats "*"--watch"* ]] ||
			why="did not end within 3 s"
	elif [ $r -gt 5 ]; then
		why="exit $r: $(head -c 300 /tmp/mpx-fuzz.err)"
	fi
	s=$(snap)
	if [ $r -ne 0 ] && [ $r -ne 124 ] && [ "$s" != "$s0" ]; then
		why+=" exit $r but the tree changed"
	fi
	if [ -n "$why" ]; then
		fz_bad=$((fz_bad + 1))
		[ $fz_bad -gt 20 ] || echo "FAILED: tools: fuzz: nvme-mpx $(printf '%q ' "${args[@]}" | cut -c1-200): $why" >&2
	fi
	if [ "$s" != "$s0" ]; then
		rm -rf "$F" && cp -a "$P" "$F"
	fi
done
echo "tools: fuzz: $fz_runs argument vectors (bad inputs), exit codes: $(for r in "${!fz_rc[@]}"; do printf '%s:%s ' "$r" "${fz_rc[$r]}"; done)"
if [ $fz_bad -eq 0 ]; then ok; else bad "fuzz: $fz_bad of $fz_runs runs misbehaved (seed $seed)"; fi
echo "tools: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
