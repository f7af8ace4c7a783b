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
jqt '.subsystems[0].heads[0].mpx_stat == {"failovers": 3, "requeued": 1, "failed_no_path": 0, "quiesced": null}'
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
FM=$F.asan
if gcc -std=gnu11 -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all \
	-o "$FM" "$top/tools/nvme-mpx.c" -lnvme 2>/dev/null; then
	export ASAN_OPTIONS=detect_leaks=0:exitcode=99 UBSAN_OPTIONS=halt_on_error=1:exitcode=98
else
	echo "tools: no ASan/UBSan build (apt-get install libasan8 libubsan1); fuzzing the plain binary"
	cp "$M" "$FM"
fi
P=$F.pristine
cp -a "$F" "$P"
trap 'rm -rf "$F" "$P" "$FM"' EXIT
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
