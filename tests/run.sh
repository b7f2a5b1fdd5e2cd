#!/bin/sh
# run.sh SUITE...: what `make test` runs. Each suite binary is run once as it
# is, then once under valgrind; a small run of the bench (make bench
# N=small) is one check, and tests/selfcheck.sh checks the kata itself.
# The report comes in that order, a section as soon as its jobs are done;
# the last line sums every test and every memcheck as "N passed, N failed".
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
pg_note=""
start=$(date +%s)

# How long since the start, for the end of each section.
lap() {
	echo "   (done at $(($(date +%s) - start)) s)"
}

# add_counts and name_of
. tests/counts.sh

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
		pg_note="FAIL  the PostgreSQL server does not start: $why"
		bad="$bad postgres"
	fi
else
	pg_note="skipped step 18 (PostgreSQL): not installed; make pg installs it"
fi
# ---- the jobs -------------------------------------------------------------
# Every run below is a job: a suite run as it is, a suite under valgrind, a
# traced test of the catalog suite, the bench, the self-checks. Three
# workers take them from one list, on two cores, each job run once, by
# the worker that claims it first (mkdir is atomic). Much of a job's time
# is spent waiting (a lock held on purpose, a process killed, a child
# starting under valgrind), and a third worker fills it. The list starts
# with the three longest: the catalog suite, which times processes
# against each other and so runs while the machine is least busy; the
# self-checks; the catalog suite under valgrind. ES_TEST_WORKERS sets
# another number of workers.
#
# Each job leaves its output in $log/NAME.txt (NAME.valgrind.txt under
# valgrind), its exit status in .rc and its seconds in .seconds.

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
	ES_TEST_ONLY=$3 ES_CATALOG_LINES=$lines \
		$VALGRIND --trace-children=yes "$1" >"$2" 2>&1
	rc=$?
	if grep -q '^0 passed, 0 failed$' "$2"; then
		echo "no test is named \"$3\" (CATALOG_TRACED)" >>"$2"
		rc=3
	fi
	return "$rc"
}

# Under valgrind the catalog suite's tests feed fewer lines.
lines=${ES_CATALOG_LINES_VALGRIND:-150}

# memcheck SUITE OUT: a suite under valgrind, or (catalog-traced-N:SUITE)
# the catalog suite's N-th test of CATALOG_TRACED, traced.
memcheck() {
	case "$1" in
	catalog-traced-*)
		name=$(name_of "$1")
		test=$(printf '%s\n' "$CATALOG_TRACED" |
			sed -n "${name#catalog-traced-}p")
		traced_memcheck "${1#*:}" "$2" "$test" ;;
	*-postgres/*)
		# Under valgrind each append costs its writer process ten
		# times more: the race's 10,000 appends (the normal run has
		# them) would double the suite's time, and its memory is
		# checked as well on fewer.
		ES_PG_RACE_EVENTS=${ES_PG_RACE_EVENTS_VALGRIND:-1000} \
			$VALGRIND "$1" >"$2" 2>&1 ;;
	*)
		ES_CATALOG_LINES=$lines $VALGRIND "$1" >"$2" 2>&1 ;;
	esac
}

# The bench program ran every row (no crash, no failed catalog command)
# and wrote its CSV; the SVG too, when gnuplot is there.
bench_small() {
	BENCH="${BENCH:-$BUILD/bin/bench}" CATALOG="$ES_CATALOG" \
		OUT="$log/bench" sh tests/bench.sh small
}

# out_of JOB: the file a job writes its output into.
out_of() {
	case "$1" in
	run:*) echo "$log/$(name_of "${1#run:}").txt" ;;
	mem:*) echo "$log/$(name_of "${1#mem:}").valgrind.txt" ;;
	*) echo "$log/$1.txt" ;;
	esac
}

# run_job JOB: run it; its output, exit status and seconds into $log.
run_job() {
	out=$(out_of "$1")
	began=$(date +%s)
	case "$1" in
	run:*) "${1#run:}" >"$out" 2>&1 ;;
	mem:*) memcheck "${1#mem:}" "$out" ;;
	bench) bench_small >"$out" 2>&1 ;;
	selfcheck) sh tests/selfcheck.sh >"$out" 2>&1 ;;
	esac
	rc=$?
	echo $(($(date +%s) - began)) >"$out.seconds"
	# Renamed into place: await() must never read a half-written status.
	echo "$rc" >"$out.rc.new" && mv "$out.rc.new" "$out.rc"
}

claims="$log/claims"
rm -rf "$claims" && mkdir -p "$claims"
rm -f "$log"/*.rc
worker() {
	for job in "$@"; do
		mkdir "$claims/$(basename "$(out_of "$job")")" 2>/dev/null &&
			run_job "$job"
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
# as_jobs PREFIX WORD...: each word as a job of that kind.
as_jobs() {
	prefix=$1
	shift
	for w in "$@"; do printf ' %s%s' "$prefix" "$w"; done
}
# shellcheck disable=SC2086 # the lists are paths without spaces
all="$(as_jobs run: $catalog) selfcheck $(as_jobs mem: $catalog)\
$(as_jobs run: $steps) bench $(as_jobs mem: $traced) $(as_jobs mem: $steps)"
workers=${ES_TEST_WORKERS:-3}
while [ "$workers" -gt 0 ]; do
	# shellcheck disable=SC2086
	worker $all &
	workers=$((workers - 1))
done

# await JOB...: until each has left its exit status.
await() {
	for job in "$@"; do
		while [ ! -e "$(out_of "$job").rc" ]; do sleep 1; done
	done
}

# ---- the report -----------------------------------------------------------
# verdict RC OK FAIL BAD PATTERN OUT: one check, passed when RC is 0: its
# line, and when it failed the lines of OUT that match PATTERN, and BAD
# added to the list of failures.
verdict() {
	if [ "$1" -eq 0 ]; then
		passed=$((passed + 1))
		echo "ok    $2"
	else
		failed=$((failed + 1))
		echo "FAIL  $3"
		grep -E "$5" "$6" | head -n 20
		bad="$bad $4"
	fi
}

echo "== suites against the reference solution"
[ -n "$pg_note" ] && echo "$pg_note"
# shellcheck disable=SC2086
await $(as_jobs run: "$@")
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
await bench
out="$log/bench.txt"
verdict "$(cat "$out.rc")" "bench small: $(tail -n 1 "$out")" \
	"bench small: see $out" bench 'n/a|^bench' "$out"
lap

echo "== the kata checks itself: stubs, symbols, headers, guides, broken variants"
await selfcheck
add_counts "$log/selfcheck.txt"
sed '$d' "$log/selfcheck.txt"
grep -q '^FAIL' "$log/selfcheck.txt" && bad="$bad selfcheck"
lap

echo "== the same suites under valgrind (leaks and memory errors)"
wait
# shellcheck disable=SC2086
for job in $(as_jobs mem: "$@" $traced); do
	name=$(name_of "${job#mem:}")
	out=$(out_of "$job")
	rc=$(cat "$out.rc" 2>/dev/null || echo 1)
	verdict "$rc" "memcheck $name: no leaks, no errors" \
		"memcheck $name (exit $rc): see $out" "memcheck:$name" \
		'^  ✗|^      ' "$out"
done
lap

[ -n "${pg_stop:-}" ] && sh "$pg_sh" stop "$pg_build" >/dev/null 2>&1
[ -n "$bad" ] && echo "failed:$bad"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
