# counts.sh: what tests/run.sh and tests/sanitize.sh share; sourced, with
# `passed` and `failed` set to 0 first.

# The counts a suite printed last: "N passed, N failed", added up.
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

# A suite's name: 02-event-store for .../02-event-store/run-tests,
# catalog-traced-N for run.sh's N-th traced test of the catalog suite, or the
# program's file name.
name_of() {
	case "$1" in
	catalog-traced-*:*) echo "${1%%:*}" ;;
	*/run-tests) n=${1%/run-tests}; echo "${n##*/}" ;;
	*) echo "${1##*/}" ;;
	esac
}
