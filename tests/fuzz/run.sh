#!/bin/sh
# run.sh SECONDS DIR TARGET...: what `make fuzz` runs. Each target,
# DIR/bin/fuzz-TARGET (built by make fuzz), fuzzes for SECONDS, one after
# the other, starting from its seeds in tests/fuzz/TARGET/; one line each:
#
#   command     12345678 runs in 60 s, 0 findings
#
# The inputs it finds new go into DIR/corpus/TARGET/, so the next run
# starts where this one stopped; the seeds are never written. A finding
# (a crash, a sanitizer's report, a leak, a broken property, a timeout)
# stops its target; the input that caused it is kept as
# DIR/findings/TARGET-..., which the target's program runs again when
# given it as an argument. The exit status is 1 when there was one.
set -u
seconds=$1
dir=$2
shift 2
mkdir -p "$dir/findings" "$dir/logs"
status=0
echo "== fuzzing each decoder for $seconds s (logs in $dir/logs/)"
for t in "$@"; do
	log="$dir/logs/$t.txt"
	mkdir -p "$dir/corpus/$t"
	rm -f "$dir/findings/$t-"*
	start=$(date +%s)
	# -timeout: one input may take 10 s (the default, 20 min, would
	# hide a hang); -print_final_stats: the count of runs at the end.
	"$dir/bin/fuzz-$t" -max_total_time="$seconds" -timeout=10 \
		-print_final_stats=1 -artifact_prefix="$dir/findings/$t-" \
		"$dir/corpus/$t" "tests/fuzz/$t" >"$log" 2>&1
	rc=$?
	took=$(($(date +%s) - start))
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
	found=$(ls "$dir/findings/" | grep -c "^$t-")
	printf '%-10s %10s runs in %s s, %s findings\n' "$t" "${runs:-?}" \
		"$took" "$found"
	if [ "$rc" -ne 0 ] || [ "$found" -ne 0 ]; then
		status=1
		grep -m 1 -E 'ERROR|runtime error|deadly signal' "$log" |
			sed 's/^/      /'
		for f in "$dir/findings/$t-"*; do
			[ -f "$f" ] && echo "      $f: run it again with" \
				"$dir/bin/fuzz-$t $f"
		done
	fi
done
exit $status
