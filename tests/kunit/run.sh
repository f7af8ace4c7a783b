#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Run the KUnit suites in a UML kernel built from the same linux-source, with
# our host/ overlay. The tree is a hard-linked copy of the pristine source
# (files we change are replaced, never written through), and the build dir
# is kept in the cache, so a rebuild after an edit takes seconds.
# Usage: run.sh [-o RESULTS.json] [kunit.py filter glob, e.g. 'nvme-mpx-*']
set -euo pipefail
. "$(dirname "$0")/../../scripts/lib.sh"
resolve_kver
[ -f "$MPX_KDIR/.unpacked" ] || "$MPX_TOP/scripts/fetch-kernel.sh"

json=$MPX_TOP/out/kunit.json
if [ "${1:-}" = -o ]; then json=$2; shift 2; fi
filter=${1:-}
tree=$MPX_KDIR/kunit-src
if [ ! -f "$tree/.linked" ]; then
	msg "linking a KUnit source tree (hard links, about 10 s)"
	rm -rf "$tree"
	cp -al "$MPX_SRC" "$tree"
	touch "$tree/.linked"
fi
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
mpx_assemble "$stage"
mirror_tree "$stage/drivers/nvme" "$tree/drivers/nvme"

mkdir -p "$(dirname "$json")"
[ -d "$MPX_KDIR/kunit-build" ] || msg "first KUnit build: a UML kernel, about 6 minutes on 2 cores"
msg "building and running KUnit (UML)"
cd "$tree"
set +e
python3 tools/testing/kunit/kunit.py run --kunitconfig="$MPX_TOP/tests/kunit/.kunitconfig" \
	--build_dir="$MPX_KDIR/kunit-build" --jobs="$(nproc)" --json="$json" \
	${filter:+"$filter"} >"$MPX_TOP/out/kunit.log" 2>&1
rc=$?
set -e
grep -E '^\[[0-9:]+\] (=|\[|Testing|Ran|Elapsed|ERROR|Error)|error:' "$MPX_TOP/out/kunit.log" | tail -n 60 >&2 || true
[ -s "$json" ] || { echo "kunit: 0 passed, 1 failed (no results; see out/kunit.log)"; exit 1; }
python3 - "$json" "$rc" <<'PY'
import json, sys
res = json.load(open(sys.argv[1]))
p = f = 0
def walk(node, prefix):
    global p, f
    for t in node.get("test_cases", []):
        if t.get("status") == "PASS":
            p += 1
        elif t.get("status") == "SKIP":
            pass
        else:
            f += 1
            print("FAILED: kunit", prefix + t.get("name", "?"), file=sys.stderr)
    for s in node.get("sub_groups", []):
        walk(s, prefix + s.get("name", "?") + ".")
walk(res, "")
if int(sys.argv[2]) != 0 and f == 0:
    f = 1
    print("FAILED: kunit.py exited with", sys.argv[2], file=sys.stderr)
print(f"kunit: {p} passed, {f} failed")
sys.exit(1 if f else 0)
PY
