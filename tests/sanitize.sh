#!/bin/sh
# sanitize.sh SUITE...: what `make sanitize` runs. Each suite, built with
# AddressSanitizer and UndefinedBehaviorSanitizer, is run once, one line
# each; the last line sums every test and every sanitizer report as
# "N passed, N failed; N sanitizer reports".
#
# A report fails the run wherever it comes from: the suite, the process
# each test runs in, or a catalog that a test runs (built the same way).
# Each one ends its process with status 86, which no test expects. ASan
# also writes each report into a file of its own under
# $BUILD/test-logs/reports/NAME/, and the suite fails when a file is there
# at the end, whatever its tests made of the status; so does UBSan when
# built by clang. GCC's UBSan runtime ignores log_path beside ASan and
# writes to standard error: the suite's output is searched for its
# "runtime error:", and in a catalog that a test runs, status 86 is what
# fails the test.
#
# Environment: BUILD (the sanitizer build's directory), CATALOG (its
# catalog program, for the catalog suite).
set -u
BUILD=${BUILD:-build/sanitize}
export ES_TEST_TMPDIR="$BUILD/test-runs"
export ES_CATALOG="${CATALOG:-$BUILD/bin/catalog}"
export ES_TEST_TIMEOUT=${ES_TEST_TIMEOUT:-120}
log="$BUILD/test-logs"
reports="$log/reports"
rm -rf "$reports" && mkdir -p "$reports" "$ES_TEST_TMPDIR"
# Absolute: the tests run catalog in directories of their own.
reports=$(cd "$reports" && pwd)

passed=0
failed=0
found_all=0
bad=""
start=$(date +%s)

# add_counts and name_of
. tests/counts.sh

# Run one suite; its reports go into reports/NAME/. 86 is the status of
# a process that a report ended (as in make progress).
run() {
	name=$(name_of "$1")
	mkdir -p "$reports/$name"
	ASAN_OPTIONS="log_path=$reports/$name/asan:exitcode=86:detect_leaks=1" \
	UBSAN_OPTIONS="log_path=$reports/$name/ubsan:exitcode=86:print_stacktrace=1:halt_on_error=1" \
		"$1" >"$log/$name.sanitize.txt" 2>&1
	echo $? >"$log/$name.sanitize.rc"
}

# Whether every report of suite $1 is LeakSanitizer's tracer crashing at
# a process's exit ("Tracer caught signal", "LeakSanitizer has
# encountered a fatal error" and its hints): no leak and no error of the
# kata's named, a known fault of the runtime (google/sanitizers#1353),
# and the likely cause of one CI run that failed on a report with no
# ERROR line in it. Such a suite runs once more, and that run is the one
# that counts; a leak is reported as "ERROR: LeakSanitizer:
# detected memory leaks", which this never matches.
only_tracer_crashes() {
	any=1
	for r in "$reports/$1"/*; do
		[ -s "$r" ] || continue
		grep -qvE 'Tracer caught signal|LeakSanitizer has encountered a fatal error|HINT: |^[[:space:]]*$' "$r" &&
			return 1
		any=0
	done
	return $any
}

echo "== every suite under ASan and UBSan"
# Both cores, as tests/run.sh's valgrind phase: the catalog suite, the
# longest, in the background, the step suites one after the other beside
# it; reported in order once both are done.
for bin in "$@"; do
	case "$bin" in */test_catalog) run "$bin" & ;; esac
done
for bin in "$@"; do
	case "$bin" in */test_catalog) ;; *) run "$bin" ;; esac
done
wait
for bin in "$@"; do
	name=$(name_of "$bin")
	out="$log/$name.sanitize.txt"
	if only_tracer_crashes "$name"; then
		echo "again $name: LeakSanitizer's tracer crashed at an exit" \
			"(no leak named; google/sanitizers#1353); it runs once more"
		rm -rf "$reports/$name.first" &&
			mv "$reports/$name" "$reports/$name.first"
		run "$bin"
	fi
	rc=$(cat "$log/$name.sanitize.rc" 2>/dev/null || echo 1)
	# An empty file is no report: a process killed after it opened the
	# file and before it wrote. (The crash test, which kills at random,
	# runs the children it kills without a leak scan: env_to_kill() in
	# tests/test_catalog_crash.c. A real leak shows in the runs not
	# killed.)
	found=$(($(find "$reports/$name" -type f -size +0 | wc -l) + \
		$(grep -c 'runtime error:' "$out")))
	add_counts "$out"
	found_all=$((found_all + found))
	if [ "$rc" -eq 0 ] && [ "$found" -eq 0 ]; then
		echo "ok    $name: $(tail -n 1 "$out")"
		continue
	fi
	echo "FAIL  $name (exit $rc, $found sanitizer reports): see $out"
	grep -E '^  ✗|^      ' "$out" | head -n 20
	bad="$bad $name"
	# The first reports: what, and the first frame in the kata's files;
	# a report with no ERROR line, its first lines as they are.
	n=0
	for r in "$reports/$name"/*; do
		[ -s "$r" ] || continue
		n=$((n + 1))
		[ $n -le 3 ] || continue
		echo "      $r:"
		if grep -q 'ERROR' "$r"; then
			grep -m 1 -E 'ERROR' "$r" | sed 's/^/        /'
			grep -m 1 -E '^ +#[0-9]+ .*[ /](solutions|exercises|harness|tests)/' \
				"$r" | sed 's/^/        /'
		else
			sed -n '1,4s/^/        /p' "$r"
		fi
	done
	[ $n -le 3 ] || echo "      ... and $((n - 3)) more reports there"
	grep -m 3 -A 2 'runtime error:' "$out" | sed 's/^/        /'
done

echo "   ($(($(date +%s) - start)) s)"
[ -n "$bad" ] && echo "failed:$bad"
echo "$passed passed, $failed failed; $found_all sanitizer reports"
[ "$failed" -eq 0 ] && [ -z "$bad" ]
