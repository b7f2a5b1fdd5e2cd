#!/bin/sh
# run.sh SUITE...: what `make test` runs. Each suite binary is run once as it
# is, then once under valgrind; the last line sums every test and every
# memcheck as "N passed, N failed".
#
# Between the two, a small run of the bench (make bench N=small) is one
# check. tests/selfcheck.sh checks the kata itself, in the background
# while the suites run; its report follows theirs.
#
# Step 18's suite (PostgreSQL, optional) is among the suites only when
# PostgreSQL is installed (PG_AVAILABLE, which the Makefile asks
# harness/pg.sh): then the server is started here, and ES_PG_URI
# exported for the suite, in both phases. Otherwise one line says it was
# skipped.
#
# Environment: BUILD (the build directory), CATALOG (build/bin/catalog, for
# the catalog suite and the bench), BENCH (build/bin/bench, for its smoke
# run), CC and MAKE (for the self-checks), PG_AVAILABLE ("yes" or empty),
# PG_SH and PG_BUILD (harness/pg.sh and the server's build directory).
set -u
BUILD=${BUILD:-build}
export ES_TEST_TMPDIR="$BUILD/test-runs"
export ES_CATALOG="${CATALOG:-$BUILD/bin/catalog}"
export ES_TEST_TIMEOUT=${ES_TEST_TIMEOUT:-120}
# ES_TEST_WARM_UP: each suite runs SQLite once before its tests fork (runner.c).
VALGRIND="env ES_TEST_WARM_UP=1 valgrind -q --leak-check=full --errors-for-leak-kinds=all --error-exitcode=99"
log="$BUILD/test-logs"
mkdir -p "$log"

passed=0
failed=0
bad=""
pg_stop=""
start=$(date +%s)

# How long since the last call, for the end of each phase's heading.
lap() {
	now=$(date +%s)
	echo "   ($((now - start)) s)"
	start=$now
}

# add_counts and name_of
. tests/counts.sh

echo "== suites against the reference solution"
if [ -n "${PG_AVAILABLE:-}" ]; then
	pg_sh=${PG_SH:-harness/pg.sh}
	pg_build=${PG_BUILD:-$BUILD}
	# A server that this run starts, it stops at the end; one that ran
	# before (make pg, make check STEP=18) it leaves running.
	sh "$pg_sh" status "$pg_build" >/dev/null 2>&1 || pg_stop=yes
	if why=$(sh "$pg_sh" start "$pg_build" 2>&1); then
		ES_PG_URI=$(sh "$pg_sh" uri "$pg_build")
		export ES_PG_URI
	else
		# The step-18 suite then fails too, saying ES_PG_URI is not set.
		failed=$((failed + 1))
		echo "FAIL  the PostgreSQL server does not start: $why"
		bad="$bad postgres"
	fi
else
	echo "skipped step 18 (PostgreSQL): not installed; make pg installs it"
fi
# run_suite SUITE: run it, its output and exit status into $log.
run_suite() {
	began=$(date +%s)
	"$1" >"$log/$(name_of "$1").txt" 2>&1
	echo $? >"$log/$(name_of "$1").txt.rc"
	echo $(($(date +%s) - began)) >"$log/$(name_of "$1").txt.seconds"
}
# The self-checks (tests/selfcheck.sh) run beside the suites, in the
# background: they build and run the stubs and the broken variants, and
# touch no program the suites or valgrind run. Most of the catalog
# suite's time is spent waiting (for locks let go, processes killed,
# files that appear), which leaves a core for them. Their report comes
# after the suites'.
sh tests/selfcheck.sh >"$log/selfcheck.txt" 2>&1 &
selfcheck_pid=$!
# The catalog suite first, on one core: its tests of contention and of
# kills time processes against each other. Then the step suites on two
# workers, one from the first and one from the last, each suite run by
# the worker that claims it first (mkdir is atomic); the results are
# reported in order once all are done.
claims="$log/claims"
rm -rf "$claims" && mkdir -p "$claims"
claim_and_run() {
	for bin in "$@"; do
		mkdir "$claims/$(name_of "$bin")" 2>/dev/null && run_suite "$bin"
	done
}
firsts=""
lasts=""
for bin in "$@"; do
	case "$bin" in
	*/test_catalog) run_suite "$bin" ;;
	*) firsts="$firsts $bin" lasts="$bin $lasts" ;;
	esac
done
# shellcheck disable=SC2086 # the lists are paths without spaces
claim_and_run $firsts &
worker_pid=$!
# shellcheck disable=SC2086
claim_and_run $lasts
wait "$worker_pid"
for bin in "$@"; do
	name=$(name_of "$bin")
	out="$log/$name.txt"
	rc=$(cat "$out.rc" 2>/dev/null || echo 1)
	add_counts "$out"
	if [ "$rc" -eq 0 ]; then
		echo "ok    $name: $(tail -n 1 "$out")"
	else
		echo "FAIL  $name (exit $rc): see $out"
		grep -E '^  ✗|^      ' "$out" | head -n 20
		bad="$bad $name"
	fi
done

lap
echo "== make bench N=small: a smoke run (no timing is checked)"
# One check: the bench program ran every row (no crash, no failed catalog
# command) and wrote its CSV; the SVG too, when gnuplot is there.
out="$log/bench.txt"
if BENCH="${BENCH:-$BUILD/bin/bench}" CATALOG="$ES_CATALOG" \
	OUT="$log/bench" sh tests/bench.sh small >"$out" 2>&1; then
	passed=$((passed + 1))
	echo "ok    bench small: $(tail -n 1 "$out")"
else
	failed=$((failed + 1))
	echo "FAIL  bench small: see $out"
	grep -E 'n/a|^bench' "$out" | head -n 5
	bad="$bad bench"
fi

lap
echo "== the kata checks itself: stubs, symbols, headers, guides, broken variants"
echo "   (begun beside the suites; the time below is what was left of it)"
wait "$selfcheck_pid"
add_counts "$log/selfcheck.txt"
sed '$d' "$log/selfcheck.txt"
grep -q '^FAIL' "$log/selfcheck.txt" && bad="$bad selfcheck"

lap
echo "== the same suites under valgrind (leaks and memory errors)"
# valgrind is the slow part, so it uses both cores of the machines CI runs
# on (the workers below). Each run leaves its log and its exit status;
# they are reported in order once both workers are done.
#
# The catalog suite runs every test under valgrind, and the catalog
# program too (--trace-children) in the tests of CATALOG_TRACED, which
# between them run every verb (log, state, catch-up, rebuild, verify and
# quarantine in the quarantine test), a command with an envelope (step
# 16's handler, and log's metadata), notify, apply --batch (a group that
# fails, and the groups around it), follow (stopped by SIGTERM), copy
# (into an empty log), and the main failures. Tracing the program
# in all of them took six minutes of the machine's two cores; make
# sanitize (CI) runs the program under AddressSanitizer in every test.
CATALOG_TRACED="apply answers each line, stores and projects each event
apply answers random bytes and cut commands, appending nothing
detail, card, list and search answer from the read model
rebuild refuses a corrupted event, names it and the way past it
quarantine lets catch-up, rebuild, log, state and apply past a bad row
an error message shows ESC from the database escaped
apply given the same create with a command_id twice, and again in a later run
notify prints a product taken below 10 once
apply --batch fails the group of a command the database fails, and only it
follow beside an apply prints its events, and SIGTERM ends it with status 0
copy into an empty log keeps every id, metadata row and answer"

# traced_memcheck SUITE OUT TEST: the test named TEST, the programs it
# runs under valgrind too. A name that selects no test fails (status 3):
# the list went stale.
traced_memcheck() {
	ES_TEST_ONLY=$3 $VALGRIND --trace-children=yes "$1" >"$2" 2>&1
	rc=$?
	if grep -q '^0 passed, 0 failed$' "$2"; then
		echo "no test is named \"$3\" (CATALOG_TRACED)" >>"$2"
		rc=3
	fi
	return "$rc"
}

# memcheck JOB: a suite under valgrind, or (catalog-traced-N:SUITE) the
# catalog suite's N-th test of CATALOG_TRACED, traced; its log and exit
# status into $log.
memcheck() {
	name=$(name_of "$1")
	out="$log/$name.valgrind.txt"
	began=$(date +%s)
	# (in the background: the export stays in this subshell)
	export ES_CATALOG_LINES=${ES_CATALOG_LINES_VALGRIND:-150}
	case "$name" in
	catalog-traced-*)
		test=$(printf '%s\n' "$CATALOG_TRACED" |
			sed -n "${name#catalog-traced-}p")
		traced_memcheck "${1#*:}" "$out" "$test"
		echo $? >"$out.rc" ;;
	*-postgres)
		# Under valgrind each append costs its writer process ten
		# times more: the race's 10,000 appends (the normal run has
		# them) would double the suite's time, and its memory is
		# checked as well on fewer.
		ES_PG_RACE_EVENTS=${ES_PG_RACE_EVENTS_VALGRIND:-1000} \
			$VALGRIND "$1" >"$out" 2>&1
		echo $? >"$out.rc" ;;
	*)
		$VALGRIND "$1" >"$out" 2>&1
		echo $? >"$out.rc" ;;
	esac
	# How long it took, for whoever balances the workers.
	echo $(($(date +%s) - began)) >"$out.seconds"
}
# Three workers share the jobs, on two cores: much of a job's time is
# spent waiting (a lock held on purpose, a child process of its own
# starting under valgrind), and a third worker fills it; with two, a
# third of the two cores' time went unused. The workers take the jobs
# from one list, each job run once, by the worker that claims it first
# (mkdir is atomic): the catalog suite first, the longest job, then its
# traced tests (5 to 20 s each), then the step suites (2 to 25 s).
# ES_VALGRIND_WORKERS sets another number of workers.
claims="$log/claims"
rm -rf "$claims" && mkdir -p "$claims"
worker() {
	for bin in "$@"; do
		mkdir "$claims/$(name_of "$bin")" 2>/dev/null && memcheck "$bin"
	done
}
catalog=""
steps=""
for bin in "$@"; do
	case "$bin" in
	*/test_catalog) catalog="$catalog $bin" ;;
	*) steps="$steps $bin" ;;
	esac
done
traced=""
for bin in $catalog; do
	n=$(printf '%s\n' "$CATALOG_TRACED" | wc -l)
	i=1
	while [ "$i" -le "$n" ]; do
		traced="$traced catalog-traced-$i:$bin"
		i=$((i + 1))
	done
done
workers=${ES_VALGRIND_WORKERS:-3}
while [ "$workers" -gt 0 ]; do
	# shellcheck disable=SC2086 # the lists are paths without spaces
	worker $catalog $traced $steps &
	workers=$((workers - 1))
done
wait
# shellcheck disable=SC2086
for bin in "$@" $traced; do
	name=$(name_of "$bin")
	out="$log/$name.valgrind.txt"
	rc=$(cat "$out.rc" 2>/dev/null || echo 1)
	if [ "$rc" -eq 0 ]; then
		passed=$((passed + 1))
		echo "ok    memcheck $name: no leaks, no errors"
	else
		failed=$((failed + 1))
		echo "FAIL  memcheck $name (exit $rc): see $out"
		grep -E '^  ✗|^      ' "$out" | head -n 20
		bad="$bad memcheck:$name"
	fi
done

lap
[ -n "${pg_stop:-}" ] && sh "$pg_sh" stop "$pg_build" >/dev/null 2>&1
[ -n "$bad" ] && echo "failed:$bad"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
