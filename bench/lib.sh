# shellcheck shell=bash disable=SC2034,SC2154 # sourced: sets variables for its caller, uses its $work
# bench/lib.sh - shared by the benchmark scripts (sourced, not run).
#
# run_once NAME COMMAND...: runs COMMAND once on core 0 with its output in
# $work/NAME.out and errors in $work/NAME.err, and adds "seconds peak-RSS-KB" to
# $work/NAME.times. Elapsed time is taken to the microsecond around the run (time(1)
# rounds to 10 ms, which alone moved a ratio of 40 by 2.5); time(1) gives the peak
# RSS. The previous run's output is removed before the clock starts: freeing its pages
# on truncation (2.5 ms for rebound's 5 MB of events) is not work of the run being
# timed. A failing run stops the benchmark.
run_once() {
	local name=$1 start stop
	shift
	rm -f "$work/$name.out"
	start=$EPOCHREALTIME
	if ! /usr/bin/time -f '%M' -o "$work/$name.time" taskset -c 0 "$@" \
		>"$work/$name.out" 2>"$work/$name.err"; then
		echo "$name failed:" >&2
		tail -5 "$work/$name.err" >&2
		exit 1
	fi
	stop=$EPOCHREALTIME
	echo "$(awk -v a="$start" -v b="$stop" 'BEGIN { printf "%.6f", b - a }') $(cat "$work/$name.time")" \
		>>"$work/$name.times"
}

# best NAME: from $work/NAME.times, sets best_sec (the fastest run), median_sec and
# peak_kb (the largest peak RSS). The fastest run is the figure: the same rule for
# every tool, so a noisy neighbour does not decide a ratio; the median shows the noise.
best() {
	read -r best_sec median_sec peak_kb < <(sort -n "$work/$1.times" | awk '
		{ t[NR] = $1; if ($2 > k) k = $2 }
		END { m = NR % 2 ? t[(NR + 1) / 2] : (t[NR / 2] + t[NR / 2 + 1]) / 2; print t[1], m, k }')
}

# best_of NAME COMMAND...: RUNS runs (default 3) of COMMAND, then best NAME.
best_of() {
	local name=$1
	shift
	: >"$work/$name.times"
	for ((i = 0; i < ${RUNS:-3}; i++)); do
		run_once "$name" "$@"
	done
	best "$name"
}
