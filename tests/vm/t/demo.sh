#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# make demo, guest side: two TCP paths to one nvmet subsystem, the head in
# nvme list-subsys, policy switching with fio on the head, a path cut under
# fio verify and its failover, and a summary. Failures are reported as
# "not ok" lines so that the host can tell a broken demo.
. /mpx/lib.sh
step() { echo; echo "=== $* ==="; }
# fio terse v3 fields: 8 read IOPS, 39 read max latency (us), 49 write IOPS,
# 80 write max latency (us), 5 error.
field() { echo "$1" | cut -d';' -f"$2"; }

step "1. nvmet target: subsystem 'demo' (256 MiB ram disk) on TCP ports 4420 and 4421"
tgt_setup tcp 2 demo brd 1 256 || { not_ok "demo: target set-up"; exit 1; }
mp_connect tcp 2 demo || { not_ok "demo: a head with two live paths"; exit 1; }
head=$(head_of demo)
sub=$(subsys_of demo)
set -- $(paths_of "$head")
p1=$1 p2=$2
echo "head /dev/$head, paths $p1 ($(ctrl_of "$p1")) and $p2 ($(ctrl_of "$p2"))"
echo "nvme-core loaded from $(modinfo -F filename nvme-core)"

step "2. nvme list-subsys /dev/$head"
nvme list-subsys "/dev/$head"

step "3. I/O policies: 4k random reads, QD32, 5 s each, on /dev/$head"
printf '%-12s %10s %12s %12s\n' policy IOPS "$p1" "$p2"
summary=
for pol in numa round-robin queue-depth; do
	echo "$pol" >"$sub/iopolicy"
	[ "$(cat "$sub/iopolicy")" = "$pol" ] || not_ok "demo: iopolicy $pol reads back"
	a1=$(path_ios "$p1") a2=$(path_ios "$p2")
	r=$(fio --name=p --filename="/dev/$head" --ioengine=libaio --direct=1 --rw=randread \
		--bs=4k --iodepth=32 --size=128m --time_based --runtime=5 \
		--output-format=terse --terse-version=3)
	iops=$(field "$r" 8)
	printf '%-12s %10s %12s %12s\n' "$pol" "$iops" "+$(($(path_ios "$p1") - a1))" \
		"+$(($(path_ios "$p2") - a2))"
	summary="$summary $pol=$iops"
done
if echo bogus >"$sub/iopolicy" 2>/dev/null; then
	not_ok "demo: iopolicy 'bogus' refused"
else
	echo "echo bogus > iopolicy: refused (Invalid argument), policy still $(cat "$sub/iopolicy")"
fi
echo numa >"$sub/iopolicy"
echo round-robin >"/sys/block/$head/mpx_iopolicy"
echo "per-head policy: /sys/block/$head/mpx_iopolicy = $(cat "/sys/block/$head/mpx_iopolicy")," \
	"subsystem iopolicy = $(cat "$sub/iopolicy")"
echo inherit >"/sys/block/$head/mpx_iopolicy"
echo "after 'inherit':  /sys/block/$head/mpx_iopolicy = $(cat "/sys/block/$head/mpx_iopolicy")"
echo "paths under /sys/block/$head/multipath/: $(ls "/sys/block/$head/multipath" | tr '\n' ' ')"

step "4. Failover: fio randrw verify=crc32c on /dev/$head (round-robin); port 4420 removed at 4 s, back at 10 s"
echo round-robin >"$sub/iopolicy"
fio_verify "$head" 16 >/tmp/demo-fio.out 2>&1 &
fpid=$!
printf '%7s  %-12s %8s  %-12s %8s\n' t "$p1" "I/Os" "$p2" "I/Os"
t0=$(now_ms) down_at= up_at= back=
o1=$(path_ios "$p1") o2=$(path_ios "$p2")
while kill -0 $fpid 2>/dev/null; do
	# Presentation only: about one line a second while fio runs.
	sleep 1
	el=$(($(now_ms) - t0))
	if [ -z "$down_at" ] && [ $el -ge 4000 ]; then
		port_unlink 1 demo
		down_at=$(now_ms)
		echo "      -- port 4420 removed"
	fi
	if [ -z "$up_at" ] && [ $el -ge 10000 ]; then
		port_link 1 demo
		up_at=$(now_ms)
		echo "      -- port 4420 back"
	fi
	if [ -n "$up_at" ] && [ -z "$back" ] && [ "$(path_ctrl_state "$p1")" = live ]; then
		back=$(($(now_ms) - up_at))
	fi
	n1=$(path_ios "$p1") n2=$(path_ios "$p2")
	printf '%4d.%ds  %-12s %8s  %-12s %8s\n' $((el / 1000)) $((el % 1000 / 100)) \
		"$(path_ctrl_state "$p1")" "+$((n1 - o1))" "$(path_ctrl_state "$p2")" "+$((n2 - o2))"
	o1=$n1 o2=$n2
done
[ -n "$up_at" ] || { port_link 1 demo; up_at=$(now_ms); }
wait $fpid
rc=$?
r=$(grep '^3;' /tmp/demo-fio.out | tail -n 1)
[ -n "$back" ] || { wait_for 20 live_paths_is "$head" 2 && back=$(($(now_ms) - up_at)); }

step "Summary"
echo "paths:            2 over TCP, head /dev/$head"
echo "policies (IOPS): $summary"
if [ $rc -eq 0 ] && [ -n "$r" ]; then
	echo "fio verify:       passed, no I/O error across the failover" \
		"(read $(field "$r" 8) IOPS, write $(field "$r" 49) IOPS)"
	echo "worst latency:    read $(($(field "$r" 39) / 1000)) ms, write $(($(field "$r" 80) / 1000)) ms (the failover stall)"
	ok "demo: fio verify across the failover"
else
	sed 's/^/  fio: /' /tmp/demo-fio.out | tail -n 20
	not_ok "demo: fio verify across the failover (fio exited $rc)"
fi
if [ -n "$back" ]; then
	echo "path 1 returned:  live again within $back ms of its port coming back" \
		"(seen by the 1 s sampling above)"
	ok "demo: path returns"
else
	not_ok "demo: path returns"
fi
exit $MPX_FAILED
