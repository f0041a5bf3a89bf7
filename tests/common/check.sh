# shellcheck shell=bash disable=SC2034
# tests/common/check.sh - sourced by the shell tests of tests/cli: a scratch directory
# removed on exit ($work), and check NAME CONDITION... counting what passed and
# failed; a test ends with `check_done`, which prints the counts for ctest.
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
passed=0 failed=0
check() { # check NAME CONDITION...
	local name=$1
	shift
	if "$@"; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAIL: $name"; fi
}
check_done() {
	echo "$passed passed, $failed failed"
	[ "$failed" -eq 0 ]
}
