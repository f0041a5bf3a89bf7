#!/usr/bin/env bash
# rebound parse from the outside: JSON lines, paths, stdin, mbox, exit status.
set -u
rebound=${1:?usage: parse.sh REBOUND_BINARY}
. tests/common/check.sh

msg=tests/corpus/sisimai/not/is-not-bounce-01.eml

# One message: one JSON object per line, with the common fields.
"$rebound" parse "$msg" >"$work/out" 2>"$work/err"
check "exit 0 on a readable file" test $? -eq 0
check "one event" test "$(wc -l <"$work/out")" -eq 1
check "json with id/type/time/source" \
	python3 -c 'import json,sys; e=json.loads(open(sys.argv[1]).readline()); assert len(e["id"])==32 and e["type"]=="unrecognized" and e["source"]["path"]==sys.argv[2] and len(e["source"]["sha256"])==64' "$work/out" "$msg"

# The same message twice gives the same id; stdin is "-".
"$rebound" parse - <"$msg" >"$work/stdin.out"
check "stdin source kind" grep -q '"kind":"stdin"' "$work/stdin.out"
check "same id from stdin" test "$(cut -c1-45 "$work/stdin.out")" = "$(cut -c1-45 "$work/out")"

# An mbox of two messages: PATH#1 and PATH#2.
{ echo "From a@example.com Mon Jan  1 00:00:00 2024"; cat "$msg"; echo; \
  echo "From b@example.com Mon Jan  1 00:00:00 2024"; cat "$msg"; } >"$work/box"
"$rebound" parse "$work/box" >"$work/box.out"
check "mbox yields two events" test "$(wc -l <"$work/box.out")" -eq 2
check "mbox paths #1 #2" grep -q "\"path\":\"$work/box#2\"" "$work/box.out"
check "mbox kind" grep -q '"kind":"mbox"' "$work/box.out"

# A missing input: message on stderr, exit 1, the other inputs still processed.
"$rebound" parse /nonexistent/file "$msg" >"$work/mixed.out" 2>"$work/mixed.err"
check "exit 1 when an input is unreadable" test $? -eq 1
check "stderr names the input" grep -q "/nonexistent/file: No such file or directory" "$work/mixed.err"
check "other inputs processed" test "$(wc -l <"$work/mixed.out")" -eq 1

# Usage errors exit 2.
"$rebound" parse >/dev/null 2>&1
check "no path is a usage error" test $? -eq 2
"$rebound" parse --bogus x >/dev/null 2>&1
check "unknown option is a usage error" test $? -eq 2

# Bare report files are streamed: any wrapping, the same events.
"$rebound" parse tests/data/dmarc/report.xml.gz.gz >"$work/gz.out" 2>/dev/null
check "double gzip report gives its records" test "$(grep -c '"type":"dmarc_record"' "$work/gz.out")" -eq 2
"$rebound" parse - <tests/data/dmarc/report.zip >"$work/zip.out" 2>/dev/null
check "zip report from stdin" test "$(grep -c '"type":"dmarc_report"' "$work/zip.out")" -eq 1
check "same ids in both wrappings" test "$(grep dmarc_report "$work/gz.out" | cut -c1-45)" = "$(grep dmarc_report "$work/zip.out" | cut -c1-45)"
# A broken report is an error event; the input was read, so the exit status is 0.
"$rebound" parse tests/data/dmarc/broken.json >"$work/broken.out" 2>"$work/broken.err"
check "broken report exits 0" test $? -eq 0
check "broken report is an error event" grep -q '"type":"error"' "$work/broken.out"
check "stderr counts unparsed messages" grep -q "could not be parsed" "$work/broken.err"

# libxml2 and libarchive are loaded when a report needs them: when they cannot be,
# the report is an error event that names the library, and bounces are unaffected.
mkdir "$work/badlibs"
for lib in $(grep -a -o -E 'lib(xml2|archive)\.so\.[0-9]+' "$rebound" | sort -u); do
	echo "not a library" >"$work/badlibs/$lib"
done
check "both sonames found in the binary" test "$(ls "$work/badlibs" | wc -l)" -eq 2
LD_LIBRARY_PATH="$work/badlibs" "$rebound" parse tests/data/dmarc/report.zip \
	tests/corpus/sisimai/bsd/lhost-postfix-01.eml >"$work/badlibs.out" 2>/dev/null
check "unloadable libarchive is an error event naming it" \
	grep -q '"type":"error".*cannot load libarchive\.so\.[0-9]* (needed to read reports)' "$work/badlibs.out"
check "bounces read without the report libraries" grep -q '"type":"bounce"' "$work/badlibs.out"

# The summary counts by type.
"$rebound" parse --summary samples/maildir >"$work/summary" 2>/dev/null
check "summary over the sample mailbox" grep -q "^26 messages" "$work/summary"

check_done
