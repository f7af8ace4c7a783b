#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Install the Debian packages the project needs, only those missing.
# Quiet and fast (one dpkg-query) when everything is there.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

pkgs=(
	# module build against Debian's headers (they name gcc-12 as CC); UML for KUnit (gcc);
	# the debug-tier kernel (make check-debug: bc, flex, bison, libelf-dev for objtool,
	# libssl-dev for the kernel's certificate tools)
	make gcc gcc-12 libc6-dev bc flex bison libelf-dev libssl-dev dwarves kmod
	xz-utils patch perl python3
	# style checks
	sparse
	# the admin CLI (tools/) and its tests: libnvme, jq to parse its JSON
	libnvme-dev jq
	# the guest: QEMU, its tools, the workloads
	qemu-system-x86 busybox-static dash nvme-cli fio nftables iproute2 util-linux
	dmsetup
	# udevd in the guest, to run our udev rule on real uevents (the conf test)
	udev
	# make bench's plots (the report is written without them if missing)
	python3-matplotlib
)
missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$' ||
		missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
	die "missing Debian packages: ${missing[*]} (as root: apt-get install ${missing[*]})"
fi
msg "installing Debian packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
if ! apt-get install -y -q --no-install-recommends "${missing[@]}" >/tmp/nvme-mpx-apt.log 2>&1; then
	apt-get update -q >>/tmp/nvme-mpx-apt.log 2>&1 || true
	apt-get install -y -q --no-install-recommends "${missing[@]}" >>/tmp/nvme-mpx-apt.log 2>&1 ||
		die "apt-get install ${missing[*]} failed (log: /tmp/nvme-mpx-apt.log): check the Debian mirror and 'apt-get update'"
fi
msg "packages installed"
