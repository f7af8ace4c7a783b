# SPDX-License-Identifier: GPL-2.0
# nvme-mpx: build, test and demo entry points. Every target installs what is
# missing first (scripts/deps.sh), so a fresh Debian 12 machine needs nothing
# but root and this tree.
#
#   make            build the NVMe modules (Debian 6.12 headers, KVER= to pin)
#   make check      style, KUnit and the VM suite; ends with "N passed, N failed"
#   make check-debug  the VM suite on a KASAN/lockdep/kmemleak kernel built from
#                   linux-source (cached; first build ~1 h on 2 cores; T= as
#                   for vmtest). Not part of check: run it before a release
#   make demo       boot a guest with two paths and show what the layer does
#   make vmtest T='basic-tcp basic-*'   run some VM tests (names in tests/vm/suite)
#   make kunit      the KUnit suites alone
#   make style      checkpatch --strict, sparse, shell syntax; the CLI built with
#                   -Werror and run against a fake sysfs tree (tests/tools.sh)
#   make tools      the admin CLI tools/nvme-mpx (libnvme)
#   make install    our modules into /lib/modules/KREL/updates/nvme-mpx, depmod,
#                   the CLI and its man page into /usr/local (DESTDIR=, KVER=)
#   make uninstall  exactly what make install added, then depmod again
#   make dkms-test  build through DKMS (dkms.conf) on the host and compare
#   make bench      ours vs Debian's stock native multipath vs dm-multipath,
#                   one boot, every scenario; QUICK=1 for a short look
#                   (results in bench/results/)
#   make bench-paths  policies on asymmetric TCP paths (netem), ours vs stock
#   make bench-failover  how long I/O stops on a path fault, ours vs stock
#   make bench-mux  heartbeat latency under a blackhole (multiplexed, not,
#                   stock) and the cost of hedged reads
#   make soak       fault soak: two heads of four paths under fio verify while a
#                   seeded random schedule cuts, slows, flaps, removes, resets
#                   and re-ANAs paths (SOAK_SECS=600, SOAK_SEED= to replay)
#   make deps       install the Debian packages the project needs
#   make clean      remove out/ (the kernel cache stays: make distclean)

SHELL := /bin/bash
export KVER T ROUNDS SECS QUICK SCEN
SOAK_SECS ?= 600

.PHONY: all deps fetch modules tools install uninstall dkms-test check check-debug demo vmtest \
	kunit style \
	bench bench-paths bench-failover bench-mux soak clean distclean

all: modules

deps:
	@bash scripts/deps.sh

fetch: deps
	@bash scripts/fetch-kernel.sh

modules: fetch
	@bash scripts/build-modules.sh

check: modules tools
	@bash tests/check.sh

check-debug: fetch tools
	@bash tests/check-debug.sh

demo: modules
	@bash tests/demo.sh

vmtest: modules tools
	@bash tests/vm/run.sh $(T)

kunit: fetch
	@bash tests/kunit/run.sh

style: modules
	@bash scripts/style.sh
	@bash tests/tools.sh

tools: deps
	@$(MAKE) -s -C tools

# KVER picks the kernel (default: the newest 6.12 Debian has, as for make).
install: modules tools
	@. scripts/lib.sh && resolve_kver && sh scripts/install.sh -k "$$MPX_KREL" \
		-m "$$MPX_NVME/modules" -t tools/nvme-mpx -8 tools/nvme-mpx.8 \
		-u udev/71-nvme-mpx.rules -e tools/nvme-mpx.conf.example \
		$${DESTDIR:+-d "$$DESTDIR"} install

# dkms.conf as DKMS runs it, on the host (needs the dkms package; ~2 min).
dkms-test: modules
	@bash tests/dkms.sh

uninstall:
	@. scripts/lib.sh && resolve_kver && sh scripts/install.sh -k "$$MPX_KREL" \
		$${DESTDIR:+-d "$$DESTDIR"} uninstall

clean:
	rm -rf out
	$(MAKE) -s -C tools clean

distclean: clean
	rm -rf "$${XDG_CACHE_HOME:-$$HOME/.cache}/nvme-mpx"

bench: modules tools
	@bash tests/bench/run.sh

bench-paths: modules tools
	@bash tests/bench/scenario.sh paths 38 25

bench-failover: modules tools
	@bash tests/bench/scenario.sh failover 6 45

bench-mux: modules tools
	@bash tests/bench/scenario.sh mux 5 90

# Not in make check: the guest's deadline is the soak plus set-up, recovery
# and unload (tests/vm/t/soak.sh).
soak: modules tools
	@bash tests/vm/run.sh -t $$(($(SOAK_SECS) + 420)) soak-tcploop-$(SOAK_SECS)$(if $(SOAK_SEED),-$(SOAK_SEED))
