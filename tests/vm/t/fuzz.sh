#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Knob fuzzing: every writable sysfs attribute of two heads (and diag/), of
# their four paths (and diag/), of the subsystem, and every writable
# nvme_core module parameter, found by walking sysfs for write bits, gets
# boundary, oversized, malformed and seeded random strings while fio verify
# runs on the first head. Each write either succeeds and reads back a value
# that can be written back unchanged, or fails with a plain error (EINVAL,
# ERANGE, E2BIG, ...) and leaves the value as it was. The value found at the
# start is put back after every accepted write. Numeric knobs also get
# their own largest accepted value (found by bisection) and that plus one.
# An attribute seen before on another object of the same kind (the second
# head, the other paths) runs the same code: it gets a seeded eighth of the
# inputs, besides the write-back and bisection, unless the argument ends in
# "-full". Argument: TRANSPORT[-SEED][-full]; the seed is printed so a run
# can be replayed (tests/vm/run.sh -t 1500 fuzz-tcp-SEED-full).
# Busybox ash runs echo and read in-process: a write costs no fork (under
# emulation a fork costs more than the write), and its echo names errno.
[ -n "${FZ_ASH:-}" ] || FZ_ASH=1 exec busybox sh "$0" "$@"
. /mpx/lib.sh
arg=${1:-tcp}
tr=${arg%%-*} seed= full=
for w in $(echo "${arg#"$tr"}" | tr - ' '); do
	case $w in full) full=-full ;; *) seed=$w ;; esac
done
[ -n "$seed" ] || seed=$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')
diag "fuzz seed $seed (replay: tests/vm/run.sh -t 1500 fuzz-$tr-$seed$full)"
name=fuzz-$tr
F=/tmp/fz
mkdir -p $F

tgt_setup "$tr" 2 "$name" brd 2 256 || { not_ok "$tr: target set-up"; exit 1; }
mp_connect "$tr" 2 "$name" 2 || { not_ok "$tr: two heads with two live paths"; exit 1; }
h1=$(head_of "$name" 1) h2=$(head_of "$name" 2)
sub=$(subsys_of "$name")

# Both heads share the two controllers; their states, read by builtins.
ctrls=$(for p in $(paths_of "$h1"); do ctrl_of "$p"; done)
pths=$(paths_of "$h1"; paths_of "$h2")
all_live() {
	local c s
	for c in $ctrls; do
		s=
		read -r s </sys/class/nvme/$c/state
		[ "$s" = live ] || return 1
	done
	for c in $pths; do
		s=
		read -r s </sys/block/$c/mpx_state
		[ "$s" = live ] || return 1
	done
}
# A light verify job: it must run throughout, not take the CPUs.
fio_verify "$h1" 3600 --size=32m --iodepth=4 --rate_iops=200 >$F/fio.out 2>&1 &
fpid=$!
check "$tr: fio verify running on $h1" wait_for 20 ios_above "$(paths_of "$h1" | head -n 1)" 200

# Attributes that take commands rather than settings: what they show is a
# state or a count, never something to write back. Any other attribute
# must accept its own value back.
is_command() {
	case $1 in
	*/mpx_state|*/diag/*|*/uevent) return 0 ;;
	esac
	return 1
}
# restore_command ATTR: undo an accepted command.
restore_command() {
	case $1 in
	*/mpx_state) echo reinstate >"$1" ;;
	esac
}

# The inputs, as lines "fz_in LABEL FORMAT" where FORMAT spells every byte
# as an octal escape (so NUL and any byte survive the shell's echo -e).
# Seeded per attribute: SEED and the attribute's number.
gen_inputs() {	# SEED ATTRNO CURRENT_VALUE KEEP
	awk -v seed="$1" -v no="$2" -v cur="$3" -v keep="$4" '
	function esc(s,   i, o) {
		o = ""
		for (i = 1; i <= length(s); i++) o = o sprintf("\\0%03o", ord[substr(s, i, 1)])
		return o
	}
	function rep(s, n,   o) {	# by doubling: busybox awk copies on every append
		o = ""
		for (; n > 0; n = int(n / 2)) { if (n % 2) o = o s; s = s s }
		return o
	}
	function out(l, f) {
		if (keep >= 1 || rand() < keep || l ~ /^cur/) printf "fz_in %s \047%s\047\n", l, f
	}
	function str(l, s) { out(l, esc(s)) }
	function rbytes(n, lo, hi,   o, c, i) {
		o = ""
		while (n > 0) {
			c = ""
			for (i = 0; i < 64 && n > 0; i++) {
				c = c sprintf("\\0%03o", lo + int(rand() * (hi - lo + 1)))
				n--
			}
			o = o c
		}
		return o
	}
	BEGIN {
		for (i = 32; i < 127; i++) ord[sprintf("%c", i)] = i
		ord["\t"] = 9; ord["\n"] = 10
		srand(seed * 1000 + no)
		n = split("0@-1@1@-0@+1@+0@00@08@010@0x10@0x@0X7f@1e3@1.5@.5@1,2@1 2@1-2@" \
			"255@256@65535@65536@2147483647@2147483648@-2147483648@-2147483649@" \
			"4294967295@4294967296@9223372036854775807@9223372036854775808@" \
			"18446744073709551615@18446744073709551616@-18446744073709551616@" \
			"99999999999999999999999999999999999999@" \
			"-@+@--1@ @  @\t@ 1@1 @\t1@1\t@1\n@1\n\n@\n1@\n@\n\n@" \
			"none@auto@off@on@y@n@Y@N@true@inherit@fail@forever@all@" \
			"%s%s%n@$(reboot)@../..@nvme0n1@nvme0c0n1@" \
			"0-0@0-18446744073709551615@5-4@0-1,0-1@1-2,,3-4@" \
			"-1-5@,@0-", b, "@")
		for (i = 1; i <= n; i++) str("b" i, b[i])
		out("nul", "\\0000")
		out("nul1", "\\0000\\0061")
		out("1nul", "\\0061\\0000")
		out("1nulx", "\\0061\\0000\\0170\\0012")
		out("utf8bad", "\\0377\\0376\\0375")
		out("overlong", "\\0300\\0200\\0012")
		out("latin1", "\\0061\\0351\\0012")
		out("del", "\\0177")
		if (cur != "") {
			str("cur_sp", " " cur); str("sp_cur", cur " ")
			str("cur_nn", cur "\n\n"); str("cur_x", cur "x")
			str("cur_cur", cur cur); out("cur_nul", esc(cur) "\\0000")
			out("cur_nulx", esc(cur) "\\0000x")
			str("cur_trunc", substr(cur, 1, length(cur) - 1))
			str("cur_upper", toupper(cur))
		}
		a = esc("a"); z = esc("0"); one = esc("1")
		out("a4095", rep(a, 4095)); out("a4096", rep(a, 4096))
		out("a4097", rep(a, 4097)); out("a8192", rep(a, 8192))
		out("z4095", rep(z, 4094) one); out("z4096", rep(z, 4095) one)
		out("sp4096", one rep(esc(" "), 4095)); out("n4096", rep(esc("\n"), 4096))
		out("r5000", rbytes(5000, 0, 255))
		for (i = 1; i <= 8; i++) out("rp" i, rbytes(1 + int(rand() * 40), 32, 126))
		for (i = 1; i <= 8; i++) out("rb" i, rbytes(1 + int(rand() * 64), 0, 255))
		for (i = 1; i <= 6; i++) {
			s = (rand() < 0.3 ? "-" : "")
			k = 1 + int(rand() * 30)
			while (k-- > 0) s = s int(rand() * 10)
			str("rd" i, s)
		}
		for (i = 1; i <= 4; i++) {	# the current value, one byte changed
			if (cur == "") break
			k = 1 + int(rand() * length(cur))
			out("rm" i, esc(substr(cur, 1, k - 1)) rbytes(1, 0, 255) esc(substr(cur, k + 1)))
		}
	}'
}

tried=0 accepted=0 probes=0 nbad=0 nattrs=0 seen=
: >$F/errnos
: >$F/bad
# readv ATTR: its first line into $v (builtins only).
readv() { v=; IFS= read -r v <"$1" 2>/dev/null; }
bad() {	# WHAT: one misbehaving input, kept for the report
	nbad=$((nbad + 1)) abad=$((abad + 1))
	echo "$A [$lab $(od -An -tx1 $F/in | tr -d ' \n' | cut -c1-48)]: $*" >>$F/bad
}
# wr FORMAT: the input in one write(2). Echo writes through stdio, in
# pieces of the file's block size (a page): longer inputs go through dd,
# which writes what it read at once. sysfs refuses a write of more than a
# page as a whole (E2BIG), so a piece must never be taken alone.
wr() {
	if [ ${#1} -le $((4096 * 5)) ]; then
		echo -ne "$1" >"$A"
	else
		# The kernel takes at most a page of one write: a short write
		# ("0+1 records out") is a success, and the page counts.
		dd if=$F/in of="$A" bs=65536 count=1 2>$F/dd
		grep -v records $F/dd >&2
		! grep -q '^0+0 records out' $F/dd
	fi
}
fz_in() {	# LABEL FORMAT: one input into attribute $A
	local before after e
	lab=$1
	echo -ne "$2" >$F/in
	tried=$((tried + 1))
	[ -z "$readable" ] || { readv "$A"; before=$v; }
	if wr "$2" 2>$F/err; then
		accepted=$((accepted + 1))
		[ -z "$nosup" ] || { bad "accepted, though the attribute does not apply"; return 0; }
		[ -n "$readable" ] || return 0
		readv "$A"
		after=$v
		if is_command "$A"; then
			restore_command "$A"
			return 0
		fi
		echo "$after" >"$A" 2>/dev/null ||
			{ bad "accepted, its read-back '$after' is refused"; return 0; }
		readv "$A"
		[ "$v" = "$after" ] || bad "read-back '$after' written back reads '$v'"
		echo "$v0" >"$A" 2>/dev/null || bad "restoring '$v0' refused"
		readv "$A"
		[ "$v" = "$v0" ] || bad "restored '$v0' reads '$v'"
	else
		e=
		while read -r l; do
			case $l in *"records "*) ;; *) e=$l ;; esac
		done <$F/err
		e=${e##*: }
		echo "$e" >>$F/errnos
		case $e in
		"Invalid argument"|"Numerical result out of range"|"Argument list too long"|\
		"Operation not supported"|"Device or resource busy"|"No such device") ;;
		*) bad "refused with an unexpected error '$e'" ;;
		esac
		[ -n "$readable" ] || return 0
		readv "$A"
		[ "$v" = "$before" ] || bad "refused, but the value went '$before' -> '$v'"
	fi
}

# bisect_max: a numeric knob's largest accepted value, then that and one
# more as inputs. Acceptance is probed with builtin writes (no forks).
octal() { printf '%s' "$1" | od -An -to1 -v | awk '{ for (i = 1; i <= NF; i++) printf "\\0%s", $i }'; }
acc() { echo "$1" >"$A" 2>/dev/null; }
bisect_max() {
	local lo hi mid
	case $v0 in
	*[!0-9]*|'')
		if acc 1; then lo=1; elif acc 0; then lo=0; else return 0; fi
		probes=$((probes + 2))
		readv "$A"
		case $v in *[!0-9]*|'') acc "$v0"; return 0 ;; esac ;;
	*) lo=$v0 ;;
	esac
	hi=9223372036854775807
	if acc $hi; then acc "$v0"; diag "$A: accepts $hi"; return 0; fi
	while [ $((hi - lo)) -gt 1 ]; do
		mid=$((lo + (hi - lo) / 2))
		probes=$((probes + 1))
		if acc $mid; then lo=$mid; else hi=$mid; fi
	done
	acc "$v0"
	diag "$A: largest value accepted $lo"
	fz_in max "$(octal "$lo")"
	fz_in max1 "$(octal "$hi")"
}

fuzz_attr() {	# ATTR
	A=$1 abad=0 readable= nosup=
	nattrs=$((nattrs + 1))
	[ "$(($(stat -c %a "$A" | cut -c1) & 4))" -eq 0 ] || readable=1
	v0=
	[ -z "$readable" ] || { readv "$A"; v0=$v; }
	local t0=$tried ms0
	ms0=$(now_ms)
	if [ -n "$readable" ] && ! is_command "$A"; then
		# Its own value must be accepted back, unchanged, unless the
		# attribute says it does not apply to this device at all (the
		# block layer's events_poll_msecs on a disk without events).
		lab=own
		echo -ne "$(octal "$v0")" >$F/in
		if ! echo "$v0" >"$A" 2>$F/err; then
			e=
			read -r e <$F/err
			case ${e##*: } in
			"No such device"|"Operation not supported")
				nosup=1
				diag "$A: '${e##*: }' for its own value: every input must fail" ;;
			*) bad "its own value '$v0' is refused (${e##*: })" ;;
			esac
		else
			readv "$A"
			[ "$v" = "$v0" ] || bad "its own value '$v0' written back reads '$v'"
			bisect_max
		fi
	fi
	# The kind of object and the attribute's name in it: seen before?
	local key keep=1 dev
	dev=${A#/sys/block/}
	dev=${dev%%/*}
	case $A in
	/sys/block/*)
		case $dev in nvme*c*n*) key=path ;; *) key=head ;; esac
		key=$key:${A#/sys/block/"$dev"/} ;;
	*) key=$A ;;
	esac
	case " $seen " in
	*" $key "*) [ -n "$full" ] || keep=0.125 ;;
	*) seen="$seen $key" ;;
	esac
	gen_inputs "$seed" $nattrs "$v0" $keep >$F/list
	. $F/list
	if [ -n "$readable" ] && ! is_command "$A"; then
		readv "$A"
		[ "$v" = "$v0" ] || { bad "left at '$v', was '$v0'"; acc "$v0"; }
	fi
	check "$tr: fuzz ${A#/sys/}: $((tried - t0)) inputs, $abad misbehaved ($(($(now_ms) - ms0)) ms)" [ $abad -eq 0 ]
	[ $abad -eq 0 ] || tail -n $abad $F/bad | head -n 5 | sed 's/^/#   /'
	# No input may have cost a path or stopped the verify job.
	all_live || wait_for 30 all_live || not_ok "$tr: fuzz ${A#/sys/}: paths live afterwards"
	kill -0 $fpid 2>/dev/null || not_ok "$tr: fuzz ${A#/sys/}: fio still running"
}

# Walk sysfs for everything with a write bit; nothing is listed by hand.
attrs=$({
	for d in /sys/block/$h1 /sys/block/$h1/diag /sys/block/$h2 /sys/block/$h2/diag; do
		find "$d/" -maxdepth 1 -type f -perm -200
	done
	for p in $(paths_of "$h1") $(paths_of "$h2"); do
		find /sys/block/$p/ /sys/block/$p/diag/ -maxdepth 1 -type f -perm -200
	done
	find "$sub/" -maxdepth 1 -type f -perm -200
	find /sys/module/nvme_core/parameters/ -maxdepth 1 -type f -perm -200
} | sed 's://*:/:g')
diag "writable attributes found: $(echo "$attrs" | wc -l)"
for a in $attrs; do
	fuzz_attr "$a"
done

diag "errors returned: $(sort $F/errnos | uniq -c | awk '{ c = $1; $1 = ""; printf "%s x%s;", $0, c }')"
if [ $nbad -gt 0 ]; then
	diag "first misbehaving inputs:"
	head -n 40 $F/bad | sed 's/^/#   /'
fi
killall -INT fio
io_wait $fpid 30 "$h1"
fio_clean $F/fio.out || sed 's/^/# /' $F/fio.out | tail -n 20
check "$tr: fio verify clean across the fuzzing" fio_clean $F/fio.out
diag "FUZZ seed=$seed attributes=$nattrs bad_inputs=$tried accepted=$accepted bisection_probes=$probes misbehaved=$nbad"
check "$tr: fuzz: $tried bad inputs into $nattrs attributes, none misbehaved" [ $nbad -eq 0 ]
exit $MPX_FAILED
