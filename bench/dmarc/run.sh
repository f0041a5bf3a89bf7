#!/usr/bin/env bash
# rebound and dmarc-cat side by side, in one run, on one generated aggregate report
# (200,000 records, about 100 MB): MB/s and peak RSS of each, and the ratios.
#
#   bench/dmarc/run.sh [RECORDS]
#
# dmarc-cat (Debian's) wants a file name of the form org!domain!begin!end.xml and
# -N so it does not resolve IPs. Both run on one core (bench/lib.sh pins the script to core 0). Speed is
# measured here, never asserted in tests. RUNS=N sets how many runs each tool gets.
set -euo pipefail
cd "$(dirname "$0")/../.."
. bench/lib.sh
records=${1:-200000}
scripts/install-deps --bench
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$(nproc)" --target rebound-cli >/dev/null

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
report="$work/bench.example!example.com!1704067200!1704153599.xml"
python3 bench/dmarc/generate.py "$report" "$records"
mb=$(awk -v b="$(stat -c %s "$report")" 'BEGIN { printf "%.1f", b / 1048576 }')
echo "report: $records records, $mb MB"

# The two tools take turns, so a machine that slows down for a while slows both.
: >"$work/rebound.times"
: >"$work/dmarc-cat.times"
for ((round = 0; round < ${RUNS:-3}; round++)); do
	run_once rebound build/rebound parse "$report"
	run_once dmarc-cat dmarc-cat -N -j 1 "$report"
done
best rebound
r_sec=$best_sec r_med=$median_sec
best dmarc-cat
d_sec=$best_sec d_med=$median_sec
peak_of dmarc-cat dmarc-cat -N -j 1 "$report"
d_kb=$peak_kb
peak_of rebound build/rebound parse "$report"
r_kb=$peak_kb

records_out=$(grep -c '"type":"dmarc_record"' "$work/rebound.out")
[ "$records_out" -eq "$records" ] || { echo "rebound emitted $records_out records, want $records"; exit 1; }
awk -v mb="$mb" -v rs="$r_sec" -v rk="$r_kb" -v ds="$d_sec" -v dk="$d_kb" \
    -v rm="$r_med" -v dm="$d_med" 'BEGIN {
	rs = (rs < 0.001 ? 0.001 : rs); ds = (ds < 0.001 ? 0.001 : ds);
	printf "%-10s %9s %9s %12s\n", "tool", "seconds", "MB/s", "peak RSS MB";
	printf "%-10s %9.3f %9.1f %12.1f\n", "rebound", rs, mb / rs, rk / 1024;
	printf "%-10s %9.3f %9.1f %12.1f\n", "dmarc-cat", ds, mb / ds, dk / 1024;
	printf "speed ratio (rebound/dmarc-cat): %.1fx (fastest runs; %.1fx between the medians)\n",
	       ds / rs, dm / (rm < 0.001 ? 0.001 : rm);
	printf "peak RSS: rebound %.1f MB (target < 32 MB)\n", rk / 1024;
}'
