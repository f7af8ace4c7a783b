#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Passthrough and reservations through the head: the head's char device
# (ngXnY) answers Identify, passthrough I/O written through the block head
# reads back through the char head, and a reservation command reaches the
# target through a path (the 6.12 target answers it with Invalid Opcode:
# the point is that the head routes it, not that the target implements it).
. /mpx/lib.sh
tr=${1:-tcp}
name=pt-$tr

tgt_setup "$tr" 2 "$name" brd 1 64 || { not_ok "$tr: target set-up"; exit 1; }
mp_connect "$tr" 2 "$name" || { not_ok "$tr: a head with two live paths"; exit 1; }
head=$(head_of "$name")
ng=ng${head#nvme}
check "$tr: head char device /dev/$ng exists" [ -c "/dev/$ng" ]
nsze=$(nvme id-ns "/dev/$ng" 2>/dev/null | sed -n 's/^nsze *: *//p')
lbs=$(cat "/sys/block/$head/queue/logical_block_size")
check "$tr: Identify Namespace through /dev/$ng (nsze $nsze) matches the head's size" \
	[ $((nsze * lbs)) -eq $(($(cat "/sys/block/$head/size") * 512)) ]

echo round-robin >"$(subsys_of "$name")/iopolicy"
i=0
while [ $i -lt 4 ]; do
	head -c 4096 /dev/urandom >/tmp/pt-w$i
	nvme write "/dev/$head" -s $((i * 8)) -c 7 -z 4096 -d /tmp/pt-w$i >/dev/null 2>&1 ||
		not_ok "$tr: passthrough write $i"
	i=$((i + 1))
done
i=0 good=0
while [ $i -lt 4 ]; do
	nvme io-passthru "/dev/$ng" --opcode=0x02 --namespace-id=1 --data-len=4096 --read \
		--cdw10=$((i * 8)) --cdw12=7 --raw-binary >/tmp/pt-r$i 2>/dev/null &&
		cmp -s /tmp/pt-w$i /tmp/pt-r$i && good=$((good + 1))
	i=$((i + 1))
done
check "$tr: 4 passthrough writes read back through the char head" [ $good -eq 4 ]
check "$tr: passthrough data matches a block read of the head" \
	sh -c "dd if=/dev/$head bs=4096 count=1 skip=1 iflag=direct 2>/dev/null | cmp -s - /tmp/pt-w0 ||
	       dd if=/dev/$head bs=4096 count=1 skip=0 iflag=direct 2>/dev/null | cmp -s - /tmp/pt-w0"
out=$(nvme resv-report "/dev/$head" 2>&1)
diag "resv-report: $out"
check "$tr: a reservation command reaches the target through the head" \
	sh -c "echo '$out' | grep -qi 'invalid.*opcode\|Reservation Status'"
exit $MPX_FAILED
