#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Per-head policy (mpx_iopolicy) over the subsystem's iopolicy: a head
# inherits until set, keeps its own when the subsystem changes, goes back on
# "inherit"; garbage is refused and changes nothing; switching under fio
# verify loses nothing. Also the mainline-named attributes: the head's
# multipath/ links and the per-path queue_depth and numa_nodes.
. /mpx/lib.sh
tr=${1:-tcp}
name=policy-$tr

tgt_setup "$tr" 2 "$name" brd 2 128 || { not_ok "$tr: target set-up"; exit 1; }
mp_connect "$tr" 2 "$name" 2 || { not_ok "$tr: two heads with two live paths"; exit 1; }
h1=$(head_of "$name" 1) h2=$(head_of "$name" 2)
sub=$(subsys_of "$name")
hp() { cat "/sys/block/$1/mpx_iopolicy"; }
hp_is() { [ "$(hp "$1")" = "$2" ]; }

# Mainline-named attributes.
links=$(ls "/sys/block/$h1/multipath" 2>/dev/null | tr '\n' ' ')
check "$tr: $h1/multipath/ links both paths ($links)" \
	[ "$links" = "$(paths_of "$h1" | tr '\n' ' ')" ]
for p in $(paths_of "$h1"); do
	check "$tr: $p/multipath link resolves" [ -e "/sys/block/$h1/multipath/$p/ana_state" ]
done
echo numa >"$sub/iopolicy"
dd if="/dev/$h1" of=/dev/null bs=4k count=16 iflag=direct 2>/dev/null
check "$tr: numa: after I/O, numa_nodes names node 0 on exactly one path" \
	[ "$(cat /sys/block/"$h1"/multipath/*/numa_nodes | grep -c '^0$')" -eq 1 ]
echo queue-depth >"$sub/iopolicy"
p=$(paths_of "$h1" | head -n 1)
check "$tr: queue-depth: $p/queue_depth is a number" \
	grep -Eq '^[0-9]+$' "/sys/block/$p/queue_depth"
echo numa >"$sub/iopolicy"
check "$tr: numa: queue_depth is empty" [ -z "$(cat "/sys/block/$p/queue_depth")" ]

# spread HEAD: number of paths that carried at least 20% of 2000 reads.
spread() {
	local h=$1 kv before= n=0 d
	for p in $(paths_of "$h"); do before="$before $p=$(path_ios "$p")"; done
	fio --name=s --filename="/dev/$h" --ioengine=libaio --direct=1 --rw=randread \
		--bs=4k --iodepth=8 --size=64m --number_ios=2000 >/dev/null 2>&1
	for kv in $before; do
		d=$(($(path_ios "${kv%=*}") - ${kv#*=}))
		[ $d -ge 400 ] && n=$((n + 1))
	done
	echo $n
}
spread_is() { [ "$(spread "$1")" -eq "$2" ]; }

check "$tr: $h1 inherits numa" hp_is "$h1" "numa (inherited)"
echo round-robin >"/sys/block/$h1/mpx_iopolicy"
check "$tr: $h1 reads back round-robin" hp_is "$h1" round-robin
check "$tr: $h2 still inherits numa" hp_is "$h2" "numa (inherited)"
check "$tr: $h1 (round-robin) uses both paths" spread_is "$h1" 2
check "$tr: $h2 (numa) uses one path" spread_is "$h2" 1
echo round-robin >"$sub/iopolicy"
check "$tr: $h2 follows the subsystem to round-robin" hp_is "$h2" "round-robin (inherited)"
check "$tr: $h2 now uses both paths" spread_is "$h2" 2
echo numa >"$sub/iopolicy"
check "$tr: $h1 keeps its own policy when the subsystem changes" hp_is "$h1" round-robin
check "$tr: $h1 still uses both paths" spread_is "$h1" 2
echo inherit >"/sys/block/$h1/mpx_iopolicy"
check "$tr: $h1 inherits again after 'inherit'" hp_is "$h1" "numa (inherited)"
check "$tr: $h1 back to one path" spread_is "$h1" 1
echo queue-depth >"/sys/block/$h1/mpx_iopolicy"
echo >"/sys/block/$h1/mpx_iopolicy"
check "$tr: an empty write also means inherit" hp_is "$h1" "numa (inherited)"

long=$(printf '%0300d' 0)
echo queue-depth >"/sys/block/$h1/mpx_iopolicy"
for bad in bogus numa2 "round robin" "queue-depth x" "$long"; do
	if echo "$bad" >"/sys/block/$h1/mpx_iopolicy" 2>/dev/null; then
		not_ok "$tr: mpx_iopolicy '${bad%"${bad#??????????}"}' refused"
	else
		ok "$tr: mpx_iopolicy '${bad%"${bad#??????????}"}' refused"
	fi
done
check "$tr: $h1 unchanged after refused writes" hp_is "$h1" queue-depth
check "$tr: refusals are logged" sh -c "dmesg | grep -q \"unknown iopolicy 'bogus'\""

# Switch policies as fast as sysfs allows under fio verify.
fio_verify "$h1" 8 >/tmp/pol-fio.out 2>&1 &
fpid=$!
n=0 bad=
while [ -z "$bad" ] && kill -0 $fpid 2>/dev/null; do
	for pol in numa round-robin queue-depth inherit; do
		echo $pol >"/sys/block/$h1/mpx_iopolicy" || bad=$pol
		n=$((n + 1))
	done
	case $((n % 12)) in 0) echo round-robin >"$sub/iopolicy" ;; 4) echo numa >"$sub/iopolicy" ;; esac
done
io_wait $fpid 40 "$h1"
rc=$?
diag "$n policy switches under fio"
[ $rc -eq 0 ] || sed 's/^/# /' /tmp/pol-fio.out | tail -n 20
check "$tr: every policy switch under I/O accepted${bad:+ (refused: $bad)}" [ -z "$bad" ]
check "$tr: fio verify across $n policy switches" [ $rc -eq 0 -a $n -ge 40 ]
exit $MPX_FAILED
