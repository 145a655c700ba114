#!/bin/bash
# fuzz.sh: run tmtmock's libFuzzer targets (built by `make fuzz`).
#
#   fuzz.sh smoke [TARGET...]   replay every corpus and regression input, then
#                               fuzz each target for FUZZ_SECONDS (default 15)
#                               or FUZZ_RUNS (default 200000) executions,
#                               FUZZ_JOBS (default 2) targets at a time
#   fuzz.sh run TARGET [RUNS]   a long run (default 10000000 executions): new
#                               inputs go to mock_server/build-fuzz/work/TARGET,
#                               crashes to mock_server/build-fuzz/crashes/TARGET
#
# Fuzzing runs use inputs of up to 4096 bytes (-max_len); larger regression
# inputs are replayed whole. A crash, sanitizer report, leak or timeout fails
# the run (exit 1) and names
# the input that caused it; keep it as a regression input in
# mock_server/fuzz/regressions/TARGET/ once the server is fixed.
set -u

here=$(cd "$(dirname "$0")/.." && pwd)
bin=$here/mock_server/build-fuzz
src=$here/mock_server/fuzz
all="request auth form schema admin rules fixture http"
# Leaks are findings; halt_on_error keeps one report per failure.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:halt_on_error=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

dirs() {	# dirs TARGET: the seed directories that exist
	for d in "$src/corpus/$1" "$src/regressions/$1"; do
		[ -d "$d" ] && echo "$d"
	done
}

inputs() {	# inputs TARGET: every seed and regression file
	for d in $(dirs "$1"); do
		find "$d" -type f ! -name '.*' ! -name 'README*'
	done
}

execs() {	# execs LOG: executions of a run, from -print_final_stats
	sed -n 's/^stat::number_of_executed_units: *//p' "$1" | tail -1
}

smoke_one() {	# smoke_one TARGET LOGDIR
	local t=$1 log=$2/$1.log work=$2/$1.corpus files
	mkdir -p "$work" "$2/$1.artifacts"
	files=$(inputs "$t")
	{
		# 1. Each known input once: the corpus, and every crash kept.
		if [ -n "$files" ]; then
			# shellcheck disable=SC2086
			"$bin/fuzz_$t" -artifact_prefix="$2/$1.artifacts/" $files || exit 1
		fi
		# 2. A short fuzzing run from them; new inputs go to the scratch
		#    directory, never into the tree.
		# shellcheck disable=SC2046
		"$bin/fuzz_$t" -max_total_time="${FUZZ_SECONDS:-15}" -runs="${FUZZ_RUNS:-200000}" \
		    -max_len=4096 -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
		    -artifact_prefix="$2/$1.artifacts/" "$work" $(dirs "$t")
	} >"$log" 2>&1
}

smoke() {
	local tmp rc=0 t pids=() names=() i n jobs=${FUZZ_JOBS:-2}
	tmp=$(mktemp -d /tmp/tmtmock-fuzz-smoke.XXXXXX)
	[ $# -gt 0 ] || set -- $all
	for t in "$@"; do
		[ -x "$bin/fuzz_$t" ] || { echo "fuzz: $bin/fuzz_$t is missing: make fuzz" >&2; exit 1; }
	done
	for t in "$@"; do
		while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do
			sleep 0.2
		done
		smoke_one "$t" "$tmp" &
		pids+=($!)
		names+=("$t")
	done
	for i in "${!pids[@]}"; do
		t=${names[$i]}
		if wait "${pids[$i]}"; then
			n=$(execs "$tmp/$t.log")
			echo "fuzz-smoke: $t ok: $(inputs "$t" | wc -l) corpus/regression inputs replayed, ${n:-?} executions"
		else
			rc=1
			echo "fuzz-smoke: $t FAILED; the end of its log:" >&2
			tail -40 "$tmp/$t.log" >&2
			ls "$tmp/$t.artifacts/" 2>/dev/null | sed "s|^|fuzz-smoke: crash input: $tmp/$t.artifacts/|" >&2
		fi
	done
	[ $rc -eq 0 ] && rm -rf "$tmp"
	return $rc
}

run() {		# run TARGET [RUNS]
	local t=$1 runs=${2:-10000000} work=$bin/work/$1 crashes=$bin/crashes/$1 log
	[ -x "$bin/fuzz_$t" ] || { echo "fuzz: $bin/fuzz_$t is missing: make fuzz" >&2; exit 1; }
	mkdir -p "$work" "$crashes"
	log=$bin/run-$t.log
	echo "fuzz: $t: $runs executions, log in $log"
	# shellcheck disable=SC2046
	"$bin/fuzz_$t" -runs="$runs" -max_len=4096 -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
	    -artifact_prefix="$crashes/" "$work" $(dirs "$t") >"$log" 2>&1
	local rc=$?
	echo "fuzz: $t: exit $rc, $(execs "$log") executions"
	return $rc
}

case ${1:-} in
smoke) shift; smoke "$@" ;;
run) shift; run "$@" ;;
*) sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
esac
