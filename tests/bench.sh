#!/bin/sh
# bench.sh [--install] [small | full | EVENTS]: what `make bench` runs, and
# make test's smoke run (small). Runs the bench program (tests/bench.c),
# which prints the table and writes $OUT/bench.csv, then draws
# $OUT/bench.svg from it with gnuplot (tests/bench.gp) when gnuplot is
# there. With --install (make bench), harness/deps-bench.sh installs
# gnuplot first when it can, or says in one line how to. Without gnuplot,
# one line says so and the CSV is still written.
#
# Exit status: the bench program's (1 when a row could not be measured),
# or 1 when no CSV was written or gnuplot failed.
#
# Environment: BENCH (build/bin/bench), CATALOG (build/bin/catalog), OUT
# (build/bench).
set -u
BENCH=${BENCH:-build/bin/bench}
CATALOG=${CATALOG:-build/bin/catalog}
OUT=${OUT:-build/bench}
install=
if [ "${1:-}" = --install ]; then
	install=1
	shift
fi

mkdir -p "$OUT" || exit 1
rm -f "$OUT/bench.csv" "$OUT/bench.svg"
"$BENCH" --catalog "$CATALOG" --csv "$OUT/bench.csv" "$@"
status=$?
if [ ! -s "$OUT/bench.csv" ]; then
	echo "bench: no $OUT/bench.csv was written" >&2
	exit 1
fi
# deps-bench.sh prints its one line when it cannot install gnuplot.
[ -z "$install" ] || sh harness/deps-bench.sh || exit "$status"
if ! command -v gnuplot >/dev/null 2>&1; then
	echo "bench: no gnuplot, so no plot; wrote $OUT/bench.csv" \
		"(make bench installs gnuplot-nox)"
	exit "$status"
fi
if ! gnuplot -e "csv='$OUT/bench.csv'; svg='$OUT/bench.svg'" \
	tests/bench.gp; then
	echo "bench: gnuplot could not draw $OUT/bench.svg" >&2
	exit 1
fi
echo "bench: wrote $OUT/bench.csv and $OUT/bench.svg"
exit "$status"
