#!/bin/sh
# run.sh SUITE...: what `make test` runs. Each suite binary is run once as it
# is, then once under valgrind; the last line sums every test and every
# memcheck as "N passed, N failed".
#
# Between the two, tests/selfcheck.sh checks the kata itself.
#
# Environment: BUILD (the build directory), CATALOG (build/bin/catalog, for
# the catalog suite), CC and MAKE (for the self-checks).
set -u
BUILD=${BUILD:-build}
export ES_TEST_TMPDIR="$BUILD/test-runs"
export ES_CATALOG="${CATALOG:-$BUILD/bin/catalog}"
export ES_TEST_TIMEOUT=${ES_TEST_TIMEOUT:-120}
VALGRIND="valgrind -q --leak-check=full --errors-for-leak-kinds=all --error-exitcode=99"
log="$BUILD/test-logs"
mkdir -p "$log"

passed=0
failed=0
bad=""
start=$(date +%s)

# How long since the last call, for the end of each phase's heading.
lap() {
	now=$(date +%s)
	echo "   ($((now - start)) s)"
	start=$now
}

# The counts a suite printed last: "N passed, N failed".
add_counts() {
	line=$(tail -n 1 "$1")
	p=${line%% passed*}
	f=${line#*passed, }
	f=${f%% failed*}
	case "$p$f" in
	*[!0-9]* | "") failed=$((failed + 1)); return ;;
	esac
	passed=$((passed + p))
	failed=$((failed + f))
}

name_of() {
	case "$1" in
	*/run-tests) n=${1%/run-tests}; echo "${n##*/}" ;;
	*) echo "${1##*/}" ;;
	esac
}

echo "== suites against the reference solution"
for bin in "$@"; do
	name=$(name_of "$bin")
	out="$log/$name.txt"
	"$bin" >"$out" 2>&1
	rc=$?
	add_counts "$out"
	if [ $rc -eq 0 ]; then
		echo "ok    $name: $(tail -n 1 "$out")"
	else
		echo "FAIL  $name (exit $rc): see $out"
		grep -E '^  ✗|^      ' "$out" | head -n 20
		bad="$bad $name"
	fi
done

lap
echo "== the kata checks itself: stubs, symbols, headers, guides, broken variants"
sh tests/selfcheck.sh >"$log/selfcheck.txt" 2>&1
add_counts "$log/selfcheck.txt"
sed '$d' "$log/selfcheck.txt"
grep -q '^FAIL' "$log/selfcheck.txt" && bad="$bad selfcheck"

lap
echo "== the same suites under valgrind (leaks and memory errors)"
# valgrind is the slow part, so it uses both cores of the machines CI runs
# on: the catalog suite, the longest, in the background, and the step
# suites one after the other beside it. Each run leaves its log and its
# exit status; they are reported in order once both are done.
memcheck() {
	name=$(name_of "$1")
	out="$log/$name.valgrind.txt"
	case "$name" in
	test_catalog)
		ES_CATALOG_LINES=${ES_CATALOG_LINES_VALGRIND:-150} \
		$VALGRIND --trace-children=yes "$1" >"$out" 2>&1 ;;
	*)
		$VALGRIND "$1" >"$out" 2>&1 ;;
	esac
	echo $? >"$out.rc"
}
for bin in "$@"; do
	case "$bin" in */test_catalog) memcheck "$bin" & ;; esac
done
for bin in "$@"; do
	case "$bin" in */test_catalog) ;; *) memcheck "$bin" ;; esac
done
wait
for bin in "$@"; do
	name=$(name_of "$bin")
	out="$log/$name.valgrind.txt"
	rc=$(cat "$out.rc" 2>/dev/null || echo 1)
	if [ "$rc" -eq 0 ]; then
		passed=$((passed + 1))
		echo "ok    memcheck $name: no leaks, no errors"
	else
		failed=$((failed + 1))
		echo "FAIL  memcheck $name (exit $rc): see $out"
		bad="$bad memcheck:$name"
	fi
done

lap
[ -n "$bad" ] && echo "failed:$bad"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
