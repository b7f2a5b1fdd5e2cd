#!/bin/sh
# kata.sh COMMAND [ARGS]: the learner's loop around `make check`. The
# Makefile calls it; each command is also a make target:
#
#   progress                   make progress
#   hint STEP [LEVEL]          make hint STEP=N [LEVEL=k]
#   diff STEP [FN] [FULL]      make diff STEP=N [FN=name] [FULL=1]
#   watch STEP [IMPL] [PRIOR]  make watch STEP=N
#   reset STEP                 make reset STEP=N
#   memcheck STEP BIN [TEST]   make memcheck STEP=N [TEST=text]
#   memcheck-summary STEP LOG [TEST [BIN]]
#                              the summary of a memcheck log (tests/)
#
# Needs only a POSIX shell and the tools every Debian has (sed, awk, diff,
# cksum); inotifywait is used by `watch` when it is installed. The awk
# programs beside it do the parsing: c_functions.awk for diff,
# memcheck_summary.awk for memcheck, step_markers.awk for a step whose
# code goes into earlier steps' files (the reference marks it there
# "/* step N */"): diff compares the functions it changes, progress builds
# it on the learner's files it changes, reset has nothing to reset.
# PG_SH (harness/pg.sh unless set) says whether PostgreSQL is installed:
# progress shows the optional step 18 as skipped when it is not.
set -u
case "$0" in */*) HERE=${0%/*} ;; *) HERE=. ;; esac
MAKE=${MAKE:-make}
BUILD=${BUILD:-build}

die() { echo "kata: $*" >&2; exit 2; }

# step_dir N: the step's directory name under exercises/, e.g. 02-event-store.
step_dir() {
	case "$1" in
	'' | *[!0-9]*) die "STEP must be a number, e.g. make $cmd STEP=2" ;;
	esac
	n=$(printf '%02d' "$1")
	for d in exercises/"$n"-*/; do
		[ -d "$d" ] && { d=${d%/}; echo "${d#exercises/}"; return; }
	done
	die "there is no step $1 (steps are the folders in exercises/)"
}

# The .c files the learner writes in a step: the step's .c files that
# differ from the reference's (step 0 and given helpers are identical).
learner_files() {
	for f in exercises/"$1"/*.c; do
		case "$f" in */test_*.c) continue ;; esac
		ref="solutions/$1/${f##*/}"
		[ -f "$ref" ] || continue
		echo "$f"
	done
}

# marked_files N: the earlier steps' files in which the reference writes
# step N's code, each addition marked "/* step N */" (step_markers.awk),
# as the learner's files (exercises/...), one a line.
marked_files() {
	grep -l -E "/\* step $1 \*/[[:space:]]*\$" solutions/[0-9][0-9]-*/*.c \
		2>/dev/null | awk -v n="$1" '{ m = $0; sub(/^solutions\//, "", m)
			sub(/-.*/, "", m); sub(/^solutions\//, "exercises/") }
			m + 0 < n + 0'
}

# The reference's file for one of the learner's, as it is at step
# $AS_OF (when set): what later steps add to it ("/* step N */" markers,
# harness/step_markers.awk) is left out, in a copy under $BUILD/diff/.
ref_of() {
	ref="solutions/${1#exercises/}"
	if [ -n "${AS_OF:-}" ] && grep -q -E '/\* step [0-9]+ \*/' "$ref" &&
		awk -v mode=marked -f "$HERE/c_strip.awk" -f "$HERE/step_markers.awk" "$ref" |
		awk -v n="$AS_OF" '$1 + 0 > n + 0 { found = 1 } END { exit !found }'
	then
		copy="$BUILD/diff/as-of-$AS_OF/${1#exercises/}"
		mkdir -p "${copy%/*}"
		awk -v mode=strip -v from=$((AS_OF + 1)) -v stub="$1" \
			-f "$HERE/c_strip.awk" -f "$HERE/step_markers.awk" "$ref" >"$copy" && ref=$copy
	fi
	echo "$ref"
}

# The topic of a step: its suite's first group's name, after "step N: ";
# one longer than the column, up to its first comma ("step 15:
# corrections, the event and the command").
topic_of() {
	sed -n 's/.*"step [0-9]*: \([^"]*\)".*/\1/p' exercises/"$1"/test_*.c |
		awk 'NR == 1 { if (length($0) > 32) sub(/,.*/, ""); print }'
}

cmd_progress() {
	mixed=""
	echo "Building every step's suite on the reference's earlier steps,"
	echo "with AddressSanitizer to catch leaks (the first run takes longer)..."
	printf '%-5s %-32s %-10s %s\n' STEP TOPIC TESTS MEMORY
	for d in exercises/[0-9][0-9]-*/; do
		d=${d%/}; d=${d#exercises/}
		n=${d%%-*}; n=${n#0}; [ -n "$n" ] || n=0
		# The PostgreSQL step is optional: without PostgreSQL, a line.
		case "$d" in
		*-postgres)
			if ! sh "${PG_SH:-harness/pg.sh}" available "$BUILD" \
				>/dev/null 2>&1; then
				printf '%-5s %-32s %-10s %s\n' " $n" \
					"$(topic_of "$d")" optional \
					"skipped: PostgreSQL is not installed (make pg)"
				continue
			fi ;;
		esac
		prior=solutions
		marked=$(marked_files "$n")
		if [ -n "$marked" ]; then
			prior=$(yours_on_reference "$n" "$marked")
			mixed="$mixed $n"
		fi
		# One PostgreSQL server, build/'s: PG_BUILD.
		out=$($MAKE -s --no-print-directory check STEP="$n" \
			IMPL=exercises PRIOR="$prior" BUILD="$BUILD/asan" \
			PG_BUILD="$BUILD" \
			CFLAGS="-O1 -g -fsanitize=address -fno-omit-frame-pointer" \
			LDFLAGS="-fsanitize=address" \
			ASAN_OPTIONS="exitcode=86:detect_leaks=1" 2>&1)
		last=$(printf '%s\n' "$out" |
			grep -E '^[0-9]+ passed, [0-9]+ failed$' | tail -n 1)
		case "$last" in
		?*)
			p=${last%% passed*}
			f=${last#*passed, }; f=${f%% failed*}
			tests="$p/$((p + f))"
			if printf '%s\n' "$out" | grep -q 'status 86'; then
				mem="LEAKS or memory errors: make memcheck STEP=$n"
				[ "$prior" = solutions ] && mem="$mem PRIOR=solutions"
			elif [ "$f" -eq 0 ]; then
				mem="clean"
			else
				mem="-"
			fi
			mark=" "; [ "$f" -eq 0 ] && mark="*" ;;
		*)
			tests="build failed"; mem="-"; mark=" " ;;
		esac
		printf '%-5s %-32s %-10s %s\n' "$mark$n" "$(topic_of "$d")" \
			"$tests" "$mem"
	done
	echo "(* = every test passes. Each step is built on the reference's"
	echo "earlier steps here; make check STEP=N builds it on yours.)"
	for n in $mixed; do
		some="Step $n's code goes"
		[ -n "$(learner_files "$(step_dir "$n")")" ] &&
			some="Some of step $n's code goes"
		echo "($some into earlier steps' files: it is built on"
		echo "yours of those, and the reference's other files.)"
	done
}

# yours_on_reference N FILES: a tree, for PRIOR=, of the reference's
# steps before N, but for FILES (the learner's), which are step N's too.
# Links, so that make sees when a file changes. Prints its path.
yours_on_reference() {
	tree="$BUILD/asan/yours-on-reference/$(step_dir "$1")"
	rm -rf "$tree"
	for ref in solutions/[0-9][0-9]-*/*.c; do
		d=${ref#solutions/}; d=${d%%/*}
		m=${d%%-*}; m=${m#0}
		[ "${m:-0}" -lt "$1" ] || continue
		mkdir -p "$tree/$d"
		f=exercises/${ref#solutions/}
		printf '%s\n' "$2" | grep -q -x -F "$f" && ref=$f
		ln -s "$PWD/$ref" "$tree/$d/"
	done
	echo "$tree"
}

cmd_hint() {
	d=$(step_dir "$1") || exit 2
	file="docs/hints/$d.md"
	[ -f "$file" ] || die "no hints for step $1 ($file is missing)"
	max=$(grep -c '^## Hint [0-9]' "$file")
	state="$BUILD/hints/$d"
	if [ -n "${2:-}" ]; then
		level=$2
	else
		level=$(( $(cat "$state" 2>/dev/null || echo 0) + 1 ))
	fi
	case "$level" in '' | *[!0-9]*) die "LEVEL must be a number" ;; esac
	[ "$level" -lt 1 ] && level=1
	[ "$level" -gt "$max" ] && level=$max
	mkdir -p "$BUILD/hints" && echo "$level" >"$state"
	# Another "## " section after the hints (the answers to "Check
	# yourself") is not a hint: it is never shown.
	awk -v want="$level" '
		/^## / && !/^## Hint [0-9]+/ && n > 0 { n = -1; show = 0 }
		/^## Hint [0-9]+/ { n = $3; show = (n <= want) }
		n == 0 || show { print }
	' "$file"
	if [ "$level" -lt "$max" ]; then
		echo "(hint $level of $max: run make hint STEP=$1 again for the next)"
	else
		echo "(hint $level of $max, the last: make diff STEP=$1 compares with the reference)"
	fi
}

# make diff STEP=N [FN=name] [FULL=1]: each function of your files against
# the reference's, ignoring comments and whitespace (harness/c_functions.awk
# says how); FN=name one function as a unified diff, comments left out;
# FULL=1 the whole files as they are.
cmd_diff() {
	d=$(step_dir "$1") || exit 2
	AS_OF=$1 # the reference as it is at this step, not later ones
	files=$(learner_files "$d")
	only=""
	if [ -z "$files" ]; then
		files=$(marked_files "$1")
		if [ -z "$files" ]; then
			echo "Step $1: you write no file in this step."
			return 0
		fi
		# Step N's code is in earlier files: the functions it changes.
		refs=$(for f in $files; do ref_of "$f"; done)
		# shellcheck disable=SC2086
		only=$(awk -v mode=functions -v want="$1" \
			-f "$HERE/c_strip.awk" -f "$HERE/step_markers.awk" $refs | cut -f 2 | tr '\n' ' ')
		[ -n "${2:-}${3:-}" ] || echo "Step $1 has no file of its own:" \
			"it changes these functions of earlier steps' files."
	fi
	# A step with files of its own may change earlier files too (step
	# 16's envelope, in step 4's parser): FN= and FULL=1 see them all,
	# and the list shows the functions it changes there after its own.
	more=""
	[ -n "$only" ] || more=$(marked_files "$1")
	if [ -n "${3:-}" ]; then
		diff_full "$1" "$d" "$files $more"
	elif [ -n "${2:-}" ]; then
		diff_function "$1" "$d" "$2" "$files $more"
	else
		diff_list "$1" "$d" "$files"
		[ -z "$more" ] && return 0
		refs=$(for f in $more; do ref_of "$f"; done)
		# shellcheck disable=SC2086
		only=$(awk -v mode=functions -v want="$1" \
			-f "$HERE/c_strip.awk" -f "$HERE/step_markers.awk" $refs | cut -f 2 | tr '\n' ' ')
		echo
		echo "Step $1 also changes these functions of earlier steps' files:"
		diff_list "$1" "$d" "$more"
	fi
}

diff_full() {
	same=1
	for f in $3; do
		ref=$(ref_of "$f")
		cmp -s "$f" "$ref" && continue
		same=0
		diff -u --label "your $f" --label "reference $ref" "$f" "$ref"
	done
	[ $same -eq 1 ] && echo "Step $1: your files are the same as the reference's."
	return 0
}

diff_list() {
	step=$1
	d=$2
	files=$3
	mkdir -p "$BUILD/diff"
	stats="$BUILD/diff/stats"
	set --
	for f in $files; do
		set -- "$@" "$f" "$(ref_of "$f")"
	done
	awk -v mode=list -v stats="$stats" -v names="$only" \
		-f "$HERE/c_strip.awk" -f "$HERE/c_functions.awk" "$@"
	read -r functions differ only first <"$stats"
	echo
	if [ "$differ" -eq 0 ] && [ "$only" -eq 0 ]; then
		echo "Step $step: your functions are the reference's, comments" \
			"and whitespace aside."
	else
		echo "Step $step: $differ of the $functions functions you both" \
			"have differ, comments and whitespace"
		echo "aside; the reference has $only more."
	fi
	if [ -n "$first" ]; then
		printf '  %-40s one function, comments left out\n' \
			"make diff STEP=$step FN=$first"
	fi
	printf '  %-40s the whole files, comments and all\n' \
		"make diff STEP=$step FULL=1"
}

diff_function() {
	mkdir -p "$BUILD/diff"
	yours="$BUILD/diff/yours.c"
	ref="$BUILD/diff/reference.c"
	refs=$(for f in $4; do ref_of "$f"; done)
	# shellcheck disable=SC2086
	awk -v mode=extract -v want="$3" -f "$HERE/c_strip.awk" -f "$HERE/c_functions.awk" $4 >"$yours"
	# shellcheck disable=SC2086
	awk -v mode=extract -v want="$3" -f "$HERE/c_strip.awk" -f "$HERE/c_functions.awk" $refs >"$ref"
	if [ ! -s "$yours" ] && [ ! -s "$ref" ]; then
		echo "Step $1 has no function $3: make diff STEP=$1 lists them." >&2
		return 2
	fi
	where_yours=$(head -n 1 "$yours")
	where_ref=$(head -n 1 "$ref")
	case "$where_ref" in
	"$BUILD"/diff/as-of-*) # name the reference's own file and line
		# shellcheck disable=SC2046
		where_ref="$(awk -v mode=extract -v want="$3" \
			-f "$HERE/c_strip.awk" -f "$HERE/c_functions.awk" $(for f in $4; do
				echo "solutions/${f#exercises/}"; done) |
			head -n 1) (as at step $1)" ;;
	esac
	echo "$3, your code against the reference's, comments and blank lines" \
		"left out:"
	diff -U 9999 -b --label "yours ${where_yours:-(not in your files)}" \
		--label "reference ${where_ref:-(not in the reference)}" \
		"$(body_of "$yours")" "$(body_of "$ref")" &&
		echo "(the same, but for the amount of whitespace)"
	return 0
}

# The file of a function's lines (after the "FILE:LINE" line), or /dev/null.
body_of() {
	if [ -s "$1" ]; then
		tail -n +2 "$1" >"$1.body"
		echo "$1.body"
	else
		echo /dev/null
	fi
}

# watch_dirs STEP IMPL PRIOR: the folders step STEP's suite is built from,
# one a line: exercises/ of steps 0..STEP (headers, given files, and your
# earlier steps, on which the suite is built by default), then, for a tree
# other than exercises/ and solutions/ (which does not change), PRIOR's
# folders of the steps before and IMPL's of the step.
watch_dirs() {
	d=$(step_dir "$1") || exit 2
	for e in exercises/[0-9][0-9]-*/; do
		echo "${e%/}"
		[ "$e" = "exercises/$d/" ] && break
	done
	case "$3" in exercises | solutions) ;; *)
		for e in exercises/[0-9][0-9]-*/; do
			[ "$e" = "exercises/$d/" ] && break
			e=${e%/}
			[ -d "$3/${e#exercises/}" ] && echo "$3/${e#exercises/}"
		done ;;
	esac
	case "$2" in exercises | solutions) ;; *)
		[ -d "$2/$d" ] && echo "$2/$d" ;;
	esac
	return 0
}

# A checksum of the watched sources, to notice a save without inotifywait.
sources_sum() {
	for dir in "$@"; do
		cat "$dir"/*.c "$dir"/*.h "$dir"/*.sql 2>/dev/null
	done | cksum
}

cmd_watch() {
	step=$1
	d=$(step_dir "$step") || exit 2
	dirs=$(watch_dirs "$step" "${2:-exercises}" "${3:-${2:-exercises}}")
	first=$(echo "$dirs" | head -n 1)
	others=$(echo "$dirs" | grep -v '^exercises/' | sed 's|$|/|' | tr '\n' ' ')
	if [ "$first" = "exercises/$d" ]; then
		what="exercises/$d/"
	else
		what="steps 0 to $step, $first/ to exercises/$d/"
	fi
	echo "Watching $what ${others:+and $others}(Ctrl-C to stop)."
	set -f
	# shellcheck disable=SC2086
	set -- $dirs
	set +f
	while :; do
		$MAKE -s --no-print-directory check STEP="$step"
		echo "--- waiting for you to save a file in the folders watched ---"
		if command -v inotifywait >/dev/null 2>&1; then
			inotifywait -qq -e close_write,moved_to,create "$@" ||
				sleep 1
		else
			before=$(sources_sum "$@")
			while [ "$(sources_sum "$@")" = "$before" ]; do
				sleep 1
			done
		fi
	done
}

# The commit the kata's own stubs come from: upstream when there is one,
# so a learner who committed their work still gets the stub back.
pristine_ref() {
	for ref in origin/HEAD origin/main HEAD; do
		git rev-parse -q --verify "$ref^{commit}" >/dev/null 2>&1 &&
			{ echo "$ref"; return; }
	done
	die "reset needs the kata's git history (it restores files from git)"
}

cmd_reset() {
	d=$(step_dir "$1") || exit 2
	if [ -z "$(learner_files "$d")" ] && [ -n "$(marked_files "$1")" ]; then
		echo "Step $1 has no file of its own, so there is nothing to reset:"
		echo "its code goes into these files of earlier steps:"
		marked_files "$1" | sed 's/^/  /'
		echo "(make reset STEP=N of one of those steps puts back all of"
		echo "that step's stubs, your step $1 code in them too.)"
		return 0
	fi
	ref=$(pristine_ref)
	for f in $(learner_files "$d"); do
		tmp="$f.stub"
		git show "$ref:$f" >"$tmp" 2>/dev/null ||
			{ rm -f "$tmp"; die "cannot read $f from $ref"; }
		if cmp -s "$tmp" "$f"; then
			rm -f "$tmp"
			continue
		fi
		backup="$f.backup"
		i=1
		while [ -e "$backup" ]; do backup="$f.backup$i"; i=$((i + 1)); done
		cp "$f" "$backup" && mv "$tmp" "$f" &&
			echo "restored $f (your version is in $backup)"
	done
	echo "Step $1 is back to its stubs."
}

# make memcheck STEP=N [TEST=text]: the suite BIN (built by make) under
# valgrind. Its report is shown as it comes, and kept with the runner's
# output in $BUILD/memcheck/stepN.log for the summary.
cmd_memcheck() {
	step=$1
	bin=$2
	step_dir "$step" >/dev/null
	if ! command -v valgrind >/dev/null 2>&1; then
		echo "memcheck needs valgrind; install it with:" >&2
		echo "    sudo apt-get install -y valgrind" >&2
		return 2
	fi
	[ -x "$bin" ] || die "no suite $bin: run make memcheck STEP=$step"
	log="$BUILD/memcheck/step$step.log"
	tmp="$BUILD/test-runs/step$step"
	rm -rf "$tmp" && mkdir -p "$tmp" "${log%/*}"
	[ -n "$3" ] && echo "memcheck: only the tests whose name contains \"$3\""
	# Frames are named from the kata's folder (exercises/NN-.../file.c).
	# The runner prints in a pipe, so valgrind writes to the same one,
	# in order; ES_TEST_TIMEOUT leaves room for valgrind's slowness.
	ES_TEST_TMPDIR=$tmp ES_TEST_TIMEOUT=120 ES_TEST_ONLY=$3 ES_TEST_WARM_UP=1 \
		valgrind -q --leak-check=full --errors-for-leak-kinds=all \
		--error-exitcode=99 --fullpath-after="$(pwd)/" --log-fd=1 \
		"$bin" 2>&1 | tee "$log"
	echo
	cmd_memcheck_summary "$step" "$log" "$3" "$bin"
}

# memcheck-summary STEP LOG [TEST [BIN]]: the summary of a memcheck run's
# log (harness/memcheck_summary.awk). BIN, the suite that ran, tells the
# IMPL= and PRIOR= to repeat in the commands it suggests.
cmd_memcheck_summary() {
	step_dir "$1" >/dev/null
	[ -r "$2" ] || die "no log $2"
	trees=${4#"$BUILD"/check/}
	trees=${trees%/*/run-tests}
	opts=""
	case "$trees" in
	*-on-*)
		impl=${trees%-on-*}
		prior=${trees##*-on-}
		[ "$impl" = exercises ] || opts=" IMPL=$impl"
		[ "$prior" = "$impl" ] || opts="$opts PRIOR=$prior" ;;
	esac
	awk -v logname="$2" -v only="${3:-}" \
		-v check="make check STEP=$1$opts" \
		-v memcheck="make memcheck STEP=$1$opts" \
		-f "$HERE/memcheck_summary.awk" "$2"
}

cmd=${1:-}
[ $# -gt 0 ] && shift
case "$cmd" in
progress) cmd_progress ;;
hint) cmd_hint "${1:-}" "${2:-}" ;;
diff) cmd_diff "${1:-}" "${2:-}" "${3:-}" ;;
watch) cmd_watch "${1:-}" "${2:-}" "${3:-}" ;;
reset) cmd_reset "${1:-}" ;;
memcheck) cmd_memcheck "${1:-}" "${2:-}" "${3:-}" ;;
memcheck-summary) cmd_memcheck_summary "${1:-}" "${2:-}" "${3:-}" "${4:-}" ;;
*) die "unknown command '$cmd' (see make help)" ;;
esac
