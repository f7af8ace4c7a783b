#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make demo: boot the guest with our modules and run tests/vm/t/demo.sh.
set -euo pipefail
. "$(dirname "$0")/../scripts/lib.sh"
msg "nvme-mpx demo: a QEMU guest with two NVMe/TCP paths to one nvmet subsystem"
msg "(under software emulation the boot takes about 10 s and the demo about 1 minute)"
if bash "$MPX_TOP/tests/vm/run.sh" -m demo -o "$MPX_TOP/out/demo.tap" demo >/dev/null; then
	msg "demo finished: every step worked (kernel log clean)"
else
	grep '^not ok' "$MPX_TOP/out/demo.tap" >&2 || true
	die "the demo hit a failure (above); full kernel log in out/vm/console.log"
fi
