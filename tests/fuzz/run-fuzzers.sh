#!/usr/bin/env bash
# Runs every libFuzzer harness of a fuzz build, one after the other:
#   run-fuzzers.sh BUILDDIR [SECONDS]
# BUILDDIR was set up with
#   CC=clang meson setup BUILDDIR -Dfuzz=true -Db_sanitize=address,undefined -Db_lundef=false
# Each harness first runs once over its saved crash inputs (regressions/NAME), then fuzzes for
# SECONDS (default 60) a scratch corpus seeded from corpus/NAME and regressions/NAME. The checked-in
# corpus is never written. A crash, leak, timeout or broken invariant fails the run; the input
# that caused it is kept in BUILDDIR/fuzz-artifacts/ (copy it into regressions/NAME once fixed).
set -euo pipefail

usage() {
	echo "usage: $0 BUILDDIR [SECONDS]" >&2
	exit 64
}

[[ $# -ge 1 && $# -le 2 ]] || usage
builddir=$1
seconds=${2:-60}
[[ $seconds =~ ^[1-9][0-9]*$ ]] || usage
here=$(cd "$(dirname "$0")" && pwd)
bindir=$builddir/tests/fuzz
[[ -d $bindir ]] || { echo "$0: no $bindir: configure BUILDDIR with -Dfuzz=true" >&2; exit 1; }
artifacts=$(cd "$builddir" && pwd)/fuzz-artifacts
mkdir -p "$artifacts"

# UBSan only reports and carries on unless told to stop; libFuzzer must see the failure.
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

failed=()
start=$SECONDS
for corpus in "$here"/corpus/*/; do
	name=$(basename "$corpus")
	exe=$bindir/$name
	regressions=$here/regressions/$name
	log=$scratch/$name.log
	if [[ ! -x $exe ]]; then
		echo "$name: FAILED: $exe was not built"
		failed+=("$name")
		continue
	fi

	# The saved crash inputs first: each must run clean.
	if [[ -d $regressions ]] &&
		! "$exe" -runs=0 -artifact_prefix="$scratch/" "$regressions" >"$log" 2>&1; then
		echo "$name: FAILED on a saved regression input:"
		tail -n 30 "$log"
		failed+=("$name")
		continue
	fi

	work=$scratch/$name
	mkdir -p "$work"
	cp -- "$corpus"/* "$work"/
	if [[ -d $regressions ]]; then
		find "$regressions" -maxdepth 1 -type f -exec cp -- {} "$work"/ \;
	fi
	if "$exe" -max_total_time="$seconds" -timeout=5 -rss_limit_mb=2048 -print_final_stats=1 \
		-artifact_prefix="$artifacts/$name-" "$work" >"$log" 2>&1; then
		runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
		final=$(sed -n 's/^#[0-9]*[[:space:]]*DONE[[:space:]]*//p' "$log" | tail -n 1)
		echo "$name: ok, ${runs:-?} runs in ${seconds}s; $final"
	else
		echo "$name: FAILED; input kept in $artifacts/:"
		tail -n 40 "$log"
		failed+=("$name")
	fi
done

echo "all harnesses: $((SECONDS - start))s"
if [[ ${#failed[@]} -gt 0 ]]; then
	echo "failed: ${failed[*]}" >&2
	exit 1
fi
