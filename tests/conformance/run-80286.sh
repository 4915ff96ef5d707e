#!/bin/sh
# tests/conformance/run-80286.sh: the 80286 real-mode MOO suite as a make
# check test. Finds the data through $LOCKSTEP_SHARED, else the source tree's
# ../shared; skips (77) only when the data directory is absent. Fails when
# the runner reports any failure.
srcdir=${srcdir:-$(dirname "$0")/../..}
shared=${LOCKSTEP_SHARED:-$srcdir/../shared}
data=$shared/conformance/80286-real
if [ ! -d "$data" ]; then
	echo "SKIP: no conformance data at $data (set LOCKSTEP_SHARED)"
	exit 77
fi
runner=./tests/conformance/moo-run
[ -x "$runner" ] || runner=$(dirname "$0")/moo-run
out=$("$runner" "$data")
status=$?
printf '%s\n' "$out" | grep -E ': [0-9]+ passed, [1-9][0-9]* failed|: error:'
# Skips grouped by reason (documented 286-versus-386 differences).
printf '%s\n' "$out" | sed -n 's/^  skipped \([0-9]*\): \(.*\)/\1\t\2/p' |
	awk -F'\t' '{ n[$2] += $1 } END { for (r in n) printf "  skipped %d: %s\n", n[r], r }' | sort
last=$(printf '%s\n' "$out" | tail -n 1)
echo "$last"
case "$last" in
*" 0 failed, "*) [ "$status" -eq 0 ] && exit 0 ;;
esac
exit 1
