# bench/lib.sh - shared by the benchmark scripts (sourced, not run).
#
# best_of NAME COMMAND...: runs COMMAND on core 0 RUNS times (default 3) with its
# output in $work/NAME.out and errors in $work/NAME.err, and sets best_sec (the fastest
# run, seconds) and peak_kb (the largest peak RSS). The same rule for every tool, so
# a noisy neighbour does not decide a ratio. A failing run stops the benchmark.
# Elapsed time is taken to the microsecond around the run (time(1) rounds to 10 ms,
# which alone moved a ratio of 40 by 2.5); time(1) still gives the peak RSS.
best_of() {
	local name=$1 start stop
	shift
	: >"$work/$name.times"
	for ((i = 0; i < ${RUNS:-3}; i++)); do
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
	done
	read -r best_sec peak_kb < <(awk 'NR == 1 || $1 < s { s = $1 } $2 > k { k = $2 } END { print s, k }' \
		"$work/$name.times")
}
