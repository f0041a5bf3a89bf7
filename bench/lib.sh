# shellcheck shell=bash disable=SC2034,SC2154 # sourced: sets variables for its caller, uses its $work
# bench/lib.sh - shared by the benchmark scripts (sourced, not run).
#
# Every command of a benchmark runs on core 0: the script pins itself once, here, and
# its children inherit that. (Pinning each run with taskset(1), and taking its peak
# RSS with time(1) in the same run, put two more programs' start-up inside the timed
# span: 1.8 ms a run, 2% of rebound's 86 ms and 0.05% of Sisimai's 3.8 s, which tilted
# every ratio against the faster tool.)
taskset -cp 0 $$ >/dev/null

# run_once NAME COMMAND...: runs COMMAND once with its output in $work/NAME.out and
# errors in $work/NAME.err, and adds its elapsed seconds to $work/NAME.times. Elapsed
# time is taken to the microsecond around the run (time(1) rounds to 10 ms, which
# alone moved a ratio of 40 by 2.5). The previous run's output is removed before the
# clock starts: freeing its pages on truncation (2.5 ms for rebound's 5 MB of events)
# is not work of the run being timed. A failing run stops the benchmark.
run_once() {
	local name=$1 start stop
	shift
	rm -f "$work/$name.out"
	start=$EPOCHREALTIME
	if ! "$@" >"$work/$name.out" 2>"$work/$name.err"; then
		echo "$name failed:" >&2
		tail -5 "$work/$name.err" >&2
		exit 1
	fi
	stop=$EPOCHREALTIME
	awk -v a="$start" -v b="$stop" 'BEGIN { printf "%.6f\n", b - a }' >>"$work/$name.times"
}

# peak_of NAME COMMAND...: runs COMMAND once more, under time(1), output to
# $work/NAME.out as run_once does, and sets peak_kb to its peak RSS in KB. A run of
# its own, untimed: time(1) is a program of its own that the timed runs do without.
peak_of() {
	local name=$1
	shift
	rm -f "$work/$name.out"
	if ! /usr/bin/time -f '%M' -o "$work/$name.rss" "$@" \
		>"$work/$name.out" 2>"$work/$name.err"; then
		echo "$name failed:" >&2
		tail -5 "$work/$name.err" >&2
		exit 1
	fi
	peak_kb=$(tail -1 "$work/$name.rss")
}

# best NAME: from $work/NAME.times, sets best_sec (the fastest run) and median_sec.
# The fastest run is the figure: the same rule for every tool, so a noisy neighbour
# does not decide a ratio; the median shows the noise.
best() {
	read -r best_sec median_sec < <(sort -n "$work/$1.times" | awk '
		{ t[NR] = $1 }
		END { m = NR % 2 ? t[(NR + 1) / 2] : (t[NR / 2] + t[NR / 2 + 1]) / 2; print t[1], m }')
}
