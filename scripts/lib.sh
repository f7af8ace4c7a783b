# SPDX-License-Identifier: GPL-2.0
# Shared helpers for the nvme-mpx build and test scripts. Sourced, not run.

MPX_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
MPX_CACHE=${MPX_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/nvme-mpx}

msg() { printf '==> %s\n' "$*" >&2; }
die() { printf 'nvme-mpx: error: %s\n' "$*" >&2; exit 1; }

# Copy $1 to $2 only when the content differs, so that make's timestamps
# (out-of-tree kbuild, kunit) see only real changes and rebuild incrementally.
install_if_changed() {
	if ! cmp -s "$1" "$2"; then
		mkdir -p "$(dirname "$2")"
		cp --remove-destination "$1" "$2"
	fi
}

# Mirror directory $1 into $2 file by file with install_if_changed; files in
# $2 that $1 lacks are left alone (they are build products).
mirror_tree() {
	local f
	(cd "$1" && find . -type f) | while read -r f; do
		install_if_changed "$1/$f" "$2/$f"
	done
}

# resolve_kver: sets MPX_ABI (6.12.N+deb12), MPX_KREL (6.12.N+deb12-amd64) and
# MPX_PKGVER (the Debian package version). KVER= overrides the newest.
resolve_kver() {
	local want=${KVER:-}
	want=${want%-amd64}
	if [ -z "$want" ]; then
		want=$(apt-cache search --names-only '^linux-image-6\.12\.[0-9]+\+deb12-amd64-unsigned$' 2>/dev/null |
			sed -n 's/^linux-image-\(6\.12\.[0-9]*+deb12\)-amd64-unsigned .*/\1/p' | sort -V | tail -n 1)
		if [ -z "$want" ]; then
			# Package lists are missing or stale on a fresh machine.
			apt-get update -qq >/dev/null 2>&1 ||
				die "apt-get update failed: check the Debian mirror in /etc/apt/sources.list"
			want=$(apt-cache search --names-only '^linux-image-6\.12\.[0-9]+\+deb12-amd64-unsigned$' |
				sed -n 's/^linux-image-\(6\.12\.[0-9]*+deb12\)-amd64-unsigned .*/\1/p' | sort -V | tail -n 1)
		fi
		[ -n "$want" ] || die "no linux-image-6.12.*+deb12-amd64 package found: add bookworm-backports or bookworm-security to apt sources"
	fi
	MPX_ABI=$want
	MPX_KREL=$want-amd64
	MPX_KDIR=$MPX_CACHE/k/$MPX_ABI
	MPX_ROOT=$MPX_KDIR/root
	MPX_HDRS=$MPX_ROOT/usr/src/linux-headers-$MPX_KREL
	MPX_SRC=$MPX_KDIR/src/linux-source-6.12
	MPX_VMLINUZ=$MPX_ROOT/boot/vmlinuz-$MPX_KREL
	MPX_MODDIR=$MPX_ROOT/lib/modules/$MPX_KREL
	# A second work tree (git worktree) sets MPX_NVME_DIR to build on its own.
	MPX_NVME=${MPX_NVME_DIR:-$MPX_KDIR/nvme}
	[ "${MPX_DEBUG:-0}" != 1 ] || mpx_debug_kernel
	export MPX_ABI MPX_KREL MPX_KDIR MPX_ROOT MPX_HDRS MPX_SRC MPX_VMLINUZ MPX_MODDIR MPX_NVME
}

# mpx_debug_dir: MPX_DBG, where the debug-tier kernel (make check-debug,
# scripts/debug-kernel.sh) of this version, config fragment and compiler is.
mpx_debug_dir() {
	local key
	key=$( (echo "$MPX_ABI"; gcc --version 2>/dev/null | head -n 1
		cat "$MPX_TOP/scripts/debug-kernel.config") | sha1sum | cut -c1-12)
	MPX_DBG=$MPX_KDIR/debug-$key
	export MPX_DBG
}

# With MPX_DEBUG=1 the build, the initramfs and the guest use the debug
# kernel instead of Debian's: its image, module tree and build tree (our
# modules are built against it), and a module dir of its own so that the
# normal modules are left alone (MPX_NVME_DIR still wins).
mpx_debug_kernel() {
	mpx_debug_dir
	[ -f "$MPX_DBG/.built" ] ||
		die "MPX_DEBUG=1: no debug kernel in $MPX_DBG: build it with 'make check-debug' (or scripts/debug-kernel.sh)"
	MPX_KREL=$(cat "$MPX_DBG/kernelrelease")
	MPX_ROOT=$MPX_DBG/root
	MPX_HDRS=$MPX_DBG/build
	MPX_VMLINUZ=$MPX_ROOT/boot/vmlinuz-$MPX_KREL
	MPX_MODDIR=$MPX_ROOT/lib/modules/$MPX_KREL
	MPX_NVME=${MPX_NVME_DIR:-$MPX_DBG/nvme}
}

# mpx_assemble DEST: DEST/drivers/nvme/{common,host,target} = upstream's from
# linux-source, our sources and KUnit suites overlaid on host/, the repo's
# Kconfig as host/Kconfig.mpx, and the hook patches applied. With
# MPX_PLAIN=1, upstream's alone (the benchmark's same-build yardstick).
mpx_assemble() {
	local dest=$1 own=$MPX_TOP/drivers/nvme/host f p
	mkdir -p "$dest/drivers/nvme"
	cp -a "$MPX_SRC/drivers/nvme/common" "$MPX_SRC/drivers/nvme/host" \
		"$MPX_SRC/drivers/nvme/target" "$dest/drivers/nvme/"
	[ "${MPX_PLAIN:-0}" = 1 ] && return 0
	for f in "$own"/*.[ch] "$own"/Makefile.mpx "$MPX_TOP"/tests/kunit/*.c; do
		[ -e "$f" ] && cp "$f" "$dest/drivers/nvme/host/"
	done
	cp "$MPX_TOP/Kconfig" "$dest/drivers/nvme/host/Kconfig.mpx"
	# Our layer replaces upstream's: make sure nothing can still link it.
	[ -e "$own/mpx-core.c" ] && rm -f "$dest/drivers/nvme/host/multipath.c"
	# Hook patches, in name order, relative to the kernel tree root.
	for p in "$own"/patches/*.patch; do
		[ -e "$p" ] || continue
		patch -s -p1 -d "$dest" --no-backup-if-mismatch <"$p" ||
			die "hook patch $(basename "$p") does not apply to linux-source $MPX_ABI"
	done
	# 0010 adds the one put of fabrics_q that 6.12.118 lacks, next to
	# nvme_free_ctrl()'s. Should a later stable release put it itself
	# (there, or in nvme_remove_admin_tag_set() as mainline does), the hunk
	# could still apply and put it twice: expect exactly those two.
	if [ -e "$own/patches/0010-core-put-old-fabrics-queue.patch" ] &&
		[ "$(grep -c 'blk_put_queue(ctrl->fabrics_q)' "$dest/drivers/nvme/host/core.c")" != 2 ]; then
		die "linux-source $MPX_ABI changed how core.c puts fabrics_q: check whether hook patch 0010 is still needed"
	fi
}
