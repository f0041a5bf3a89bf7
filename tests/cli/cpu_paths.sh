#!/usr/bin/env bash
# The vector loops and the plain ones (REBOUND_CPU=baseline, core/cpu.h) give the same
# events, byte for byte: over the Sisimai corpus as files, as one mbox (the mbox split
# and the hashing lanes), with CRLF line endings, and over the DMARC corpus.
set -u
rebound=${1:?usage: cpu_paths.sh REBOUND_BINARY}
. tests/common/check.sh
same_both_ways() { # same_both_ways NAME INPUT...
	local name=$1
	shift
	"$rebound" parse --jsonl "$@" >"$work/$name.vector" 2>/dev/null
	REBOUND_CPU=baseline "$rebound" parse --jsonl "$@" >"$work/$name.plain" 2>/dev/null
	check "$name: events were made" test -s "$work/$name.vector"
	check "$name: the same events both ways" cmp -s "$work/$name.vector" "$work/$name.plain"
}

same_both_ways files tests/corpus/sisimai
for f in tests/corpus/sisimai/bsd/*.eml; do
	printf 'From MAILER-DAEMON Thu Jan  1 00:00:00 2015\n'
	sed -e 's/^\(>*From \)/>\1/' "$f"
	printf '\n'
done >"$work/corpus.mbox"
same_both_ways mbox "$work/corpus.mbox"
sed 's/$/\r/' "$work/corpus.mbox" >"$work/crlf.mbox"
same_both_ways crlf "$work/crlf.mbox"
same_both_ways dmarc tests/corpus/dmarc-cryinc tests/data

check_done
