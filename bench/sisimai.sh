#!/usr/bin/env bash
# rebound parse and Sisimai (Debian's libsisimai-perl) side by side, in one run, on
# one core (bench/lib.sh pins the script to core 0), over one mbox made of the Sisimai
# corpus repeated 10 times.
#
#   bench/sisimai.sh [REPEAT]        (default 10: 6,120 messages)
#
# Prints messages per second and peak RSS of each, and the ratios. Speed is measured
# here, never asserted in tests; RUNS=N sets how many runs each command gets. Memory
# should be flat in the number of messages: the run is repeated with REPEAT/10 copies
# to show it.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
repeat=${1:-10}
scripts/install-deps --bench
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$(nproc)" --target rebound-cli >/dev/null

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
make_mbox() { # make_mbox COPIES FILE
	local copies=$1 out=$2
	: >"$out"
	for ((i = 0; i < copies; i++)); do
		for f in tests/corpus/sisimai/bsd/*.eml; do
			printf 'From MAILER-DAEMON Thu Jan  1 00:00:00 2015\n' >>"$out"
			# mboxrd escaping so a "From " line inside a message stays inside it.
			sed -e 's/^\(>*From \)/>\1/' "$f" >>"$out"
			printf '\n' >>"$out"
		done
	done
}


make_mbox "$repeat" "$work/corpus.mbox"
make_mbox 1 "$work/one.mbox"
messages=$(grep -c '^From MAILER-DAEMON ' "$work/corpus.mbox")
one=$(grep -c '^From MAILER-DAEMON ' "$work/one.mbox")
echo "mbox: $messages messages, $(du -m "$work/corpus.mbox" | cut -f1) MB"

sisimai_script='use Sisimai; my $n = 0; my $v = Sisimai->make($ARGV[0], delivered => 1) || [];
$n = scalar @$v; print "$n\n";'

# The two tools take turns, so a machine that slows down for a while slows both.
: >"$work/rebound.times"
: >"$work/sisimai.times"
for ((round = 0; round < ${RUNS:-3}; round++)); do
	run_once rebound build/rebound parse --jsonl "$work/corpus.mbox"
	run_once sisimai perl -e "$sisimai_script" "$work/corpus.mbox"
done
best rebound
r_sec=$best_sec r_med=$median_sec
best sisimai
s_sec=$best_sec s_med=$median_sec
peak_of rebound build/rebound parse --jsonl "$work/corpus.mbox"
r_rss=$peak_kb
peak_of sisimai perl -e "$sisimai_script" "$work/corpus.mbox"
s_rss=$peak_kb
peak_of rebound1 build/rebound parse --jsonl "$work/one.mbox"
r1_rss=$peak_kb

r_events=$(wc -l <"$work/rebound.out")
s_events=$(cat "$work/sisimai.out")
awk -v m="$messages" -v rs="$r_sec" -v rr="$r_rss" -v ss="$s_sec" -v sr="$s_rss" \
    -v rm="$r_med" -v sm="$s_med" \
    -v r1r="$r1_rss" -v one="$one" -v re="$r_events" -v se="$s_events" 'BEGIN {
	rs = (rs < 0.001 ? 0.001 : rs); ss = (ss < 0.001 ? 0.001 : ss);
	printf "%-10s %10s %12s %12s %10s\n", "tool", "seconds", "messages/s", "peak RSS MB", "events";
	printf "%-10s %10.3f %12.0f %12.1f %10d\n", "rebound", rs, m / rs, rr / 1024, re;
	printf "%-10s %10.3f %12.0f %12.1f %10d\n", "sisimai", ss, m / ss, sr / 1024, se;
	printf "speed ratio (rebound/sisimai): %.1fx (fastest runs; %.1fx between the medians)\n",
	       ss / rs, sm / (rm < 0.001 ? 0.001 : rm);
	printf "memory: rebound peak RSS %.1f MB over %d messages, %.1f MB over %d (flat when equal)\n",
	       rr / 1024, m, r1r / 1024, one;
}'
