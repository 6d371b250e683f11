#!/bin/bash
# checkpatch.sh: the kernel's scripts/checkpatch.pl on the module's sources
# and the UAPI header (make checkpatch).  Debian ships checkpatch.pl only
# inside linux-source-6.1 (the debug kernel's source, scripts/deps.sh
# installs it); the script and its two data files are taken out of that
# tarball once, into build/checkpatch/.
#
# Clean except for the idioms every TRACE_EVENT header has, as the
# kernel's own samples/trace_events/trace-events-sample.h does: the
# EM()/EMe() lists that define the symbolic names (COMPLEX_MACRO,
# TRAILING_SEMICOLON), ignored in kmod/kgil_trace.h only.  Then
# scripts/kernel-doc checks the kernel-doc comments of the policy API.
set -euo pipefail
REPO=$(cd "$(dirname "$0")/.." && pwd)
cd "$REPO"
SERIES=6.1
TARBALL=/usr/src/linux-source-$SERIES.tar.xz
OUT=build/checkpatch
CP=$OUT/scripts/checkpatch.pl

if [ ! -r "$TARBALL" ]; then
	scripts/deps.sh "linux-source-$SERIES"
fi
if [ ! -f "$CP" ] || [ "$TARBALL" -nt "$CP" ]; then
	echo "checkpatch: taking checkpatch.pl out of $TARBALL" >&2
	mkdir -p "$OUT"
	tar -xf "$TARBALL" -C "$OUT" --strip-components=1 \
		"linux-source-$SERIES/scripts/checkpatch.pl" \
		"linux-source-$SERIES/scripts/spelling.txt" \
		"linux-source-$SERIES/scripts/const_structs.checkpatch" \
		"linux-source-$SERIES/scripts/kernel-doc"
	touch "$CP"
fi

mapfile -t files < <(ls kmod/*.c kmod/*.h include/uapi/linux/kgil.h |
	grep -v -e '\.mod\.c$' -e 'kgil_conftest\.h$' -e 'kgil_trace\.h$')
rc=0
perl "$CP" --no-tree --terse --show-types -f "${files[@]}" kmod/Kbuild || rc=1
perl "$CP" --no-tree --terse --show-types \
	--ignore COMPLEX_MACRO,TRAILING_SEMICOLON -f kmod/kgil_trace.h || rc=1
# The policy API's kernel-doc renders without a warning.
perl "$OUT/scripts/kernel-doc" -none -Werror kmod/kgil_policy.h \
	kmod/kgil_handoff.h kmod/kgil_internal.h || rc=1
if [ $rc = 0 ]; then
	echo "checkpatch: clean (${#files[@]} files and kgil_trace.h, Kbuild)"
else
	echo "checkpatch: problems above"
fi
exit $rc
