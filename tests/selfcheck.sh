#!/bin/sh
# selfcheck.sh: the kata's tests of itself, run by `make test` after the
# suites. Each check prints "ok" or "FAIL" and a name; the last line is
# "N passed, N failed".
#
#  1a. tests/before-step.sh writes the reference as it was before a step
#     whose code goes into earlier steps' files ("/* step N */" markers),
#     with no marker of that step left, and that tree builds;
#  1. every step's suite builds against the stubs (for such a step, the
#     reference before it), fails there without a crash, and each test
#     that passes anyway says why in a comment ("Passes against the stub:
#     \"<test name>\"" in the suite file);
#  2. stubs and solutions define the same functions, and the files given
#     complete (step 0, main.c) exist once, in exercises/;
#  2b. no step asks the learner for more than 350 lines of code (blank
#     lines and comments not counted; marked lines count as their step's);
#  3. every header compiles on its own;
#  4. every function, file and make target a guide names exists, and every
#     guide has "You will learn" and "Check yourself" (answered in its
#     hints file);
#  5. each deliberately broken variant of the reference (tests/broken/) is
#     caught by the step that should catch it (a leak under
#     AddressSanitizer; "# step: N" for a later step's), and every step
#     from 1 to the last has one;
#  6. make golden, run again into $BUILD/golden/, writes the very bytes of
#     harness/golden/ and of the final step's read_model.sql, and catalog apply
#     answers each golden scenario's commands with its golden results;
#  7. make replay on the final step ends with "all K rows agree" on the
#     reference's projector and lists the differing rows on the shipped one;
#  8. make diff lists each function of a step's stubs as differing from the
#     reference, with both sizes (for a step whose code is in earlier
#     files, the functions it changes), and FN= diffs that one function; the
#     memcheck summary of canned valgrind logs (tests/fixtures/memcheck/)
#     names the learner's file:line, or says what a set-up-only leak means;
#  9. a failure says precisely what failed: references broken on purpose
#     show a row column by column, a marker under a string's first
#     difference, a table row's input, the test's line under a helper's,
#     a memcheck command that runs as pasted after a crash and a debugger
#     after a timeout, in lines under 200 characters; and the runner
#     output the docs quote is what the runner prints;
# 10. reading the Makefile changes nothing (make -n creates no file), and
#     make help lists every target a user types, from the "##" notes;
# 11. every exact string a suite requires is in its step's headers or guide
#     (tests/contract.sh), and a guide and header missing one message fail.
#
# The optional PostgreSQL step (the folder ending in -postgres) needs
# the server and libpq's header: when harness/pg.sh says they are not
# installed, the checks that build or run it print a "skip" line each,
# counted neither way, and the others are as for any step.
#
# Environment: BUILD, CC, MAKE (set by the Makefile), ES_CATALOG, PG_SH
# (harness/pg.sh unless set).
set -u
BUILD=${BUILD:-build}
CC=${CC:-cc}
MAKE=${MAKE:-make}
export NO_COLOR=1
# Step 18's race (writers against a catch-up reader) runs at its full
# 10,000 appends in make test's suites; here its suite only has to fail on
# stubs and on the broken variant, which the deterministic gap test
# catches, so a smaller race saves seconds and checks the same.
export ES_PG_RACE_EVENTS="${ES_PG_RACE_EVENTS:-1000}"
out="$BUILD/test-logs/selfcheck"
mkdir -p "$out"
passed=0
failed=0

ok() { passed=$((passed + 1)); echo "ok    $*"; }
fail() { failed=$((failed + 1)); echo "FAIL  $*"; }

steps() {
	for d in exercises/[0-9][0-9]-*/; do d=${d%/}; echo "${d#exercises/}"; done
}
number_of() { n=${1%%-*}; n=${n#0}; echo "${n:-0}"; }

check_quiet() {
	$MAKE -s --no-print-directory check "$@" 2>&1
}

# The PostgreSQL step, and whether it can be built and run here.
pg_step=$(steps | grep -e '-postgres$' | head -n 1)
pg_available=""
[ -n "$pg_step" ] && sh "${PG_SH:-harness/pg.sh}" available "$BUILD" \
	>/dev/null 2>&1 && pg_available=yes
# skip_pg STEP WHAT: true, with a line saying so, when STEP is the
# PostgreSQL step and PostgreSQL is not installed.
skip_pg() {
	[ -n "$pg_step" ] && [ "$1" = "$pg_step" ] && [ -z "$pg_available" ] ||
		return 1
	echo "skip  step $(number_of "$1"): $2 (PostgreSQL is not installed;" \
		"make pg installs it)"
}

# The suite's closing "N passed, N failed" line in a log (make may add a
# line of its own after it).
summary_of() {
	grep -E '^[0-9]+ passed, [0-9]+ failed$' "$1" | tail -n 1
}

# ---- 1a. the reference before a step -----------------------------------------
# A step may add code to earlier steps' files (step 15, corrections, adds a
# case to every switch over the event types): the reference marks each
# addition "/* step N */" (harness/step_markers.awk), and
# tests/before-step.sh writes the reference as it was before step N, into
# $BUILD/before/NN-slug/. First the script on tests/fixtures/before-step/
# (each kind of marker, and two it must refuse), then, for each step whose
# markers are in earlier files, its tree: no marker of that step or a
# later one is left in it, and it builds (at STEP=N, as section 1 builds
# it). Section 1 checks such a step's suite on that tree.

# marked_files N: the files of solutions/ of the steps before N that hold
# markers of step N.
marked_files() {
	grep -l -E "/\* step $1 \*/[[:space:]]*\$" solutions/[0-9][0-9]-*/*.c \
		2>/dev/null | awk -v n="$1" '{ m = $0; sub(/^solutions\//, "", m)
			sub(/-.*/, "", m) } m + 0 < n + 0'
}
before_tree() { echo "$BUILD/before/$1"; }

fixture=tests/fixtures/before-step
tree="$BUILD/before-fixture"
log="$out/before-fixture.txt"
if sh tests/before-step.sh 3 "$tree" "$fixture" >"$log" 2>&1 &&
	diff -r "$fixture/expected" "$tree" >>"$log" 2>&1; then
	ok "tests/before-step.sh removes what each kind of marker marks" \
		"and puts the stub in place of a public function ($fixture/)"
else
	fail "tests/before-step.sh 3 does not write $fixture/expected/ (see $log)"
fi
# Refused: a public function whose stub is missing, a marked statement
# that opens a brace it does not close.
refused=""
for how in stub braces; do
	copy="$BUILD/before-fixture-$how"
	rm -rf "$copy" && cp -R "$fixture" "$copy"
	case "$how" in
	stub) f="$copy/exercises/01-alpha/alpha.c"
	      sed 's/^int correct(/int corrected(/' "$fixture/exercises/01-alpha/alpha.c" >"$f"
	      want="alpha.c:54: step 3 marks non-static correct()" ;;
	braces) f="$copy/solutions/01-alpha/alpha.c"
	      sed 's|^		p->stock = 0;$|		if (p) { /* step 3 */|' \
		"$fixture/solutions/01-alpha/alpha.c" >"$f"
	      want="alpha.c:23: the statement that this marker marks has unbalanced" ;;
	esac
	log="$out/before-fixture-$how.txt"
	if sh tests/before-step.sh 3 "$BUILD/before-fixture-out" "$copy" \
		>"$log" 2>&1; then
		refused="$refused [$how: accepted]"
	elif ! grep -q -F "$want" "$log"; then
		refused="$refused [$how: no '$want' in $log]"
	fi
done
if [ -z "$refused" ]; then
	ok "tests/before-step.sh fails, naming the line, on a missing stub" \
		"and on a marked statement whose braces do not balance"
else
	fail "tests/before-step.sh does not refuse what it must:$refused"
fi

for d in $(steps); do
	n=$(number_of "$d")
	[ -n "$(marked_files "$n")" ] || continue
	tree=$(before_tree "$d")
	log="$out/before-$d.txt"
	if ! sh tests/before-step.sh "$n" "$tree" >"$log" 2>&1; then
		fail "step $n: the reference before step $n cannot be written (see $log)"
		continue
	fi
	left=$(grep -rn -E '/\* step [0-9]+ \*/[[:space:]]*$' "$tree" |
		awk -v n="$n" '{ s = $0; sub(/.*\/\* step /, "", s)
			if (s + 0 >= n) print }')
	objs=$(for f in "$tree"/*/*.c; do echo "$BUILD/obj/${f%.c}.o"; done)
	# shellcheck disable=SC2086
	if [ -n "$left" ]; then
		fail "step $n: markers of step $n or later are left in $tree:" \
			"$(echo "$left" | head -n 1)"
	elif ! $MAKE -s --no-print-directory BUILD="$BUILD" STEP="$n" $objs \
		>"$log" 2>&1; then
		fail "step $n: the reference before step $n does not build (see $log)"
	else
		ok "step $n: the reference before step $n ($tree/) has no marker" \
			"of step $n and builds ($(marked_files "$n" | wc -l) files" \
			"marked, $(grep -c 'warning: enumeration value' "$log")" \
			"switch warnings)"
	fi
done

# ---- 1. stubs ---------------------------------------------------------------
# A step whose code is in earlier steps' files (section 1a) has no stub of
# its own: its suite runs on the reference as it was before the step.
for d in $(steps); do
	n=$(number_of "$d")
	skip_pg "$d" "its suite against the stubs" && continue
	log="$out/stub-$d.txt"
	prior=solutions
	[ -n "$(marked_files "$n")" ] && prior=$(before_tree "$d")
	check_quiet STEP="$n" IMPL=exercises PRIOR="$prior" >"$log"
	last=$(summary_of "$log")
	if [ "$n" -eq 0 ]; then # given complete: green on a learner's first run
		case "$last" in
		*" 0 failed") ok "step 0: green as the learner gets it ($last)" ;;
		*) fail "step 0: not green as the learner gets it (see $log)" ;;
		esac
		continue
	fi
	case "$last" in
	?*) ;;
	*) fail "step $n: the suite does not build against the stubs (see $log)"
	   continue ;;
	esac
	p=${last%% passed*}
	if grep -q -E 'crashed|stopped after|aborted|exited with status' "$log"; then
		fail "step $n: a test crashes or hangs against the stubs (see $log)"
		continue
	fi
	undocumented=""
	for name in $(sed -n 's/^  ✓ //p' "$log" | tr ' ' '\037'); do
		name=$(echo "$name" | tr '\037' ' ')
		grep -q -F "Passes against the stub: \"$name\"" \
			exercises/"$d"/test_*.c || undocumented="$undocumented [$name]"
	done
	f=${last#*passed, }; f=${f%% failed*}
	if [ "$p" -eq 0 ]; then
		ok "step $n: every test fails against the stub ($last)"
	elif [ -z "$undocumented" ] &&
		grep -q "This file ships with a bug" exercises/"$d"/*.c; then
		ok "step $n: the shipped bug is caught: $f test(s) fail on the" \
			"shipped code; the $p that pass there say why"
	elif [ -z "$undocumented" ]; then
		ok "step $n: fails against the stub; $p test(s) pass there, each says why"
	else
		fail "step $n: tests pass against the stub without saying why:$undocumented"
	fi
done

# ---- 2. the same functions in both trees --------------------------------------
symbols() {
	for f in "$@"; do nm -g --defined-only "$f"; done |
		sed -n 's/^[0-9a-f]* [TDBR] //p' | sort
}
# The objects of a step's library files in a tree, named from its sources
# (not from what happens to lie in build/obj).
# A file given complete exists only in exercises/, and both trees build it.
lib_objects() {
	for f in exercises/"$2"/*.c; do
		[ -f "$f" ] || continue
		case "$f" in */test_*.c | */main.c) continue ;; esac
		[ -f "$1/$2/${f##*/}" ] && f="$1/$2/${f##*/}"
		echo "$BUILD/obj/${f%.c}.o"
	done
}
for d in $(steps); do
	n=$(number_of "$d")
	skip_pg "$d" "the functions of stubs and solutions" && continue
	stub=$(lib_objects exercises "$d")
	ref=$(lib_objects solutions "$d")
	if [ -z "$stub$ref" ]; then
		ok "step $n: no library file of its own to compare (its code" \
			"is in earlier steps' files)"
		continue
	fi
	# shellcheck disable=SC2086
	if ! ls $stub $ref >/dev/null 2>&1; then
		fail "step $n: objects missing for the symbol comparison"
		continue
	fi
	# shellcheck disable=SC2086
	if [ "$(symbols $stub)" = "$(symbols $ref)" ]; then
		ok "step $n: stubs and solutions define the same functions"
	else
		fail "step $n: stubs and solutions define different functions:"
		# shellcheck disable=SC2086
		symbols $stub >"$out/stub-syms" && symbols $ref >"$out/ref-syms"
		diff "$out/stub-syms" "$out/ref-syms" | sed 's/^/        /'
	fi
done
# The reference tree holds only what the learner writes: every file in it
# has a stub (or a shipped file) of the same name that differs. Files given
# complete live once, in exercises/.
given_twice=""
for ref in solutions/[0-9][0-9]-*/*.c; do
	f="exercises/${ref#solutions/}"
	if [ ! -f "$f" ] || cmp -s "$f" "$ref"; then
		given_twice="$given_twice $ref"
	fi
done
if [ -z "$given_twice" ]; then
	ok "solutions/ holds only what the learner writes; given files live once, in exercises/"
else
	fail "solutions/ files with no stub, or the same as it:$given_twice"
fi

# ---- 2b. one idea per step: at most 350 lines to write ------------------------
# The lines of reference code a learner writes in a step: the step's .c
# files in solutions/ (files given complete live in exercises/ only),
# without blank lines and without comments; what a later step's marker
# marks in them (section 1a) counts as that later step's.
code_lines() {
	awk '
	{
		line = $0; out = ""
		while (line != "") {
			if (incomment) {
				i = index(line, "*/")
				if (i == 0) { line = "" } else { line = substr(line, i + 2); incomment = 0 }
			} else {
				i = index(line, "/*")
				if (i == 0) { out = out line; line = "" }
				else { out = out substr(line, 1, i - 1); line = substr(line, i + 2); incomment = 1 }
			}
		}
		if (out ~ /[^ \t]/) n++
	}
	END { print n + 0 }' "$@"
}
# marked_lines FIELD VALUE: the lines markers mark whose step (FIELD 1)
# or file's folder (FIELD 2) is VALUE.
marked=$(awk -v mode=marked -f harness/c_strip.awk -f harness/step_markers.awk \
	solutions/[0-9][0-9]-*/*.c 2>"$out/markers.txt") ||
	fail "the markers in solutions/ cannot be read: $(cat "$out/markers.txt")"
marked_lines() {
	printf '%s\n' "$marked" | awk -F '\t' -v field="$1" -v want="$2" '
		{ key = field == 1 ? $1 : $2; sub(/^solutions\//, "", key)
		  sub(/\/.*/, "", key) }
		key == want { sub(/^[^\t]*\t[^\t]*\t/, ""); print }'
}
over=""
table=""
for d in $(steps); do
	n=$(number_of "$d")
	own=0
	set -- solutions/"$d"/*.c
	[ -f "$1" ] && own=$(code_lines "$@")
	added=$(marked_lines 1 "$n" | code_lines)
	moved=$(marked_lines 2 "$d" | code_lines)
	[ "$own" -eq 0 ] && [ "$added" -eq 0 ] && continue
	lines=$((own - moved + added))
	table="$table $n:$lines"
	[ "$lines" -gt 350 ] && over="$over step $n ($lines)"
done
if [ -z "$over" ]; then
	ok "no step asks for more than 350 lines of code (step:lines$table)"
else
	fail "steps over 350 lines of code to write:$over (step:lines$table)"
fi

# ---- 3. headers compile on their own ---------------------------------------
incs=$(for d in exercises/*/; do printf -- '-I%s ' "${d%/}"; done)
# libpq's header, for the PostgreSQL step's
if [ -n "$pg_available" ]; then
	incs="$incs $(pkg-config --cflags libpq 2>/dev/null ||
		echo -I/usr/include/postgresql)"
fi
skip_pg "$pg_step" "its headers, on their own"
bad=""
for h in exercises/*/*.h harness/*.h; do
	case "$h" in
	exercises/"$pg_step"/*) [ -n "$pg_available" ] || continue ;;
	esac
	# shellcheck disable=SC2086
	printf '#include "%s"\n' "${h##*/}" |
		$CC -std=c11 -D_POSIX_C_SOURCE=200809L -Wall -Wextra -Wpedantic \
			-Werror $incs -Iharness $(pkg-config --cflags libcjson cunit) \
			-fsyntax-only -x c - 2>"$out/header.txt" ||
		bad="$bad ${h}"
done
if [ -z "$bad" ]; then
	ok "every header compiles on its own"
else
	fail "headers that do not compile alone:$bad"
fi

# ---- 4. what the guides name exists ---------------------------------------
missing=""
code_files="exercises/*/*.h exercises/*/*.c solutions/*/*.c harness/*"
for name in $(grep -h -o '\bes_[a-z0-9_]*[a-z0-9]' docs/*.md docs/hints/*.md | sort -u); do
	# shellcheck disable=SC2086
	grep -q -w "$name" $code_files || missing="$missing $name"
done
for path in $(grep -h -o -E '\b(exercises|solutions|harness|tests|docs)/[A-Za-z0-9_./-]*[A-Za-z0-9_]' \
		docs/*.md docs/hints/*.md README.md | sort -u); do
	case "$path" in *NN*) continue ;; esac
	[ -e "$path" ] || missing="$missing $path"
done
targets=$(sed -n 's/^\([a-z][a-z-]*\):.*/\1/p' Makefile)
for t in $(grep -h -o -E '(^|`|\$ )make [a-z][a-z-]*' docs/*.md docs/hints/*.md \
		README.md | sed 's/.*make //' | sort -u); do
	echo "$targets" | grep -q -x "$t" || missing="$missing make:$t"
done
# Every guide opens with what it teaches and closes with questions whose
# answers are in its hints file (step 0's guide is the overview).
for g in docs/[0-9][0-9]-*.md; do
	b=${g#docs/}; b=${b%.md}
	h=docs/hints/$b.md
	[ "$b" = 00-overview ] && h=docs/hints/00-read-side.md
	grep -q "You will learn" "$g" || missing="$missing $g:no-you-will-learn"
	grep -q "^## Check yourself" "$g" || missing="$missing $g:no-check-yourself"
	grep -q "^## Check yourself: answers" "$h" 2>/dev/null ||
		missing="$missing $h:no-answers"
done
[ -f docs/glossary.md ] || missing="$missing docs/glossary.md"
if [ -z "$missing" ]; then
	ok "every function, file and make target the guides name exists"
else
	fail "the guides name what does not exist:$missing"
fi

# ---- 5. broken variants are caught ------------------------------------------
# tests/broken/NAME.sed is a mistake a learner makes, named after it: a sed
# script that breaks one file of the reference, the one its line
# "# file: NN-slug/file.c" names. Step NN's suite, built on the broken file
# and the reference's earlier steps, must fail. A mistake in an earlier
# step's file that a later step's suite catches (step 15 writes into
# decide.c) says which step with a line "# step: N": step N's suite is
# built on a tree of the reference's steps up to N with the broken file in
# it (IMPL and PRIOR both that tree), and the variant counts as step N's.
# A mistake whose results are
# right and that only a leak checker sees says "# caught-by: memcheck": its
# suite is built and run under AddressSanitizer, as make progress does
# (into $BUILD/asan, which the two share), where a test that leaks exits
# with status 86 and fails. ASan rather than valgrind: once built, a whole
# suite runs in about a second, where valgrind takes several.
asan_check() {
	ASAN_OPTIONS="exitcode=86:detect_leaks=1" check_quiet BUILD="$BUILD/asan" \
		CFLAGS="-O1 -g -fsanitize=address -fno-omit-frame-pointer" \
		LDFLAGS="-fsanitize=address" "$@"
}
with_variant=""
for variant in tests/broken/*.sed; do
	[ -f "$variant" ] || continue
	name=${variant##*/}; name=${name%.sed}
	file=$(sed -n 's/^# file: //p' "$variant")
	how=$(sed -n 's/^# caught-by: //p' "$variant")
	at=$(sed -n 's/^# step: //p' "$variant")
	d=${file%%/*}
	if [ -z "$file" ] || [ ! -f "solutions/$file" ]; then
		fail "broken variant $name: its '# file:' line names no file" \
			"of solutions/ ('$file')"
		continue
	fi
	if [ -n "$at" ]; then
		sd=$(steps | awk -v n="$at" '{ m = $0; sub(/-.*/, "", m) }
			m + 0 == n && n ~ /^[0-9]+$/ { print; exit }')
		if [ -z "$sd" ] ||
			[ "$(number_of "$sd")" -lt "$(number_of "$d")" ]; then
			fail "broken variant $name: '# step: $at' is not a step" \
				"at or after $d's"
			continue
		fi
	else
		sd=$d
	fi
	case "$how" in
	"" | memcheck) ;;
	*) fail "broken variant $name: 'caught-by: $how' is not known" \
		"(only 'memcheck' is)"
	   continue ;;
	esac
	with_variant="$with_variant $sd"
	skip_pg "$sd" "broken variant $name" && continue
	n=$(number_of "$sd")
	tree="$BUILD/broken/$name"
	rm -rf "$tree" && mkdir -p "$tree/$d"
	prior=solutions
	if [ "$sd" = "$d" ]; then
		cp solutions/"$d"/*.c "$tree/$d/"
	else # the reference's steps up to N, the broken file among them
		prior=$tree
		for e in $(steps); do
			[ -d "solutions/$e" ] &&
				mkdir -p "$tree/$e" && cp solutions/"$e"/*.c "$tree/$e/"
			[ "$e" = "$sd" ] && break
		done
	fi
	sed -f "$variant" "solutions/$file" >"$tree/$file"
	if cmp -s "solutions/$file" "$tree/$file"; then
		fail "broken variant $name: its sed script changes nothing in $file"
		continue
	fi
	log="$out/broken-$name.txt"
	case "$how" in
	"")
		by="step $n"
		check_quiet STEP="$n" IMPL="$tree" PRIOR="$prior" >"$log" ;;
	memcheck)
		by="step $n under AddressSanitizer"
		asan_check STEP="$n" IMPL="$tree" PRIOR="$prior" >"$log" ;;
	esac
	caught=$(sed -n 's/^  ✗ //p' "$log" | head -n 1)
	last=$(summary_of "$log")
	case "$last" in
	"") fail "broken variant $name does not build (see $log)" ;;
	*" 0 failed") fail "broken variant $name is not caught by $by (see $log)" ;;
	*) ok "broken variant $name is caught by $by: \"$caught\" ($last)" ;;
	esac
done
# Every step the learner writes has a mistake its suite is shown to catch.
# Step 0 is exempt: it is given complete, so there is nothing to get wrong.
missing=""
for d in $(steps); do
	[ "$(number_of "$d")" -eq 0 ] && continue
	case " $with_variant " in
	*" $d "*) ;;
	*) missing="$missing $(number_of "$d")" ;;
	esac
done
if [ -z "$missing" ]; then
	ok "every step from 1 to $(number_of "$(steps | tail -n 1)") has a" \
		"broken variant in tests/broken/"
else
	fail "steps with no broken variant in tests/broken/:$missing" \
		"(add a NAME.sed whose '# file:' line names the step's file," \
		"or whose '# step:' line names the step)"
fi

# ---- 6. golden data ----------------------------------------------------------
gold="$BUILD/golden"
shipped=exercises/$(steps | tail -n 1)/read_model.sql
rm -rf "$gold" && mkdir -p "$gold"
if $MAKE -s --no-print-directory golden BUILD="$BUILD" GOLDEN_DIR="$gold" \
	SHIPPED_READ_MODEL="$gold/read_model.sql" >"$out/golden.txt" 2>&1; then
	differ=""
	for f in harness/golden/* "$shipped"; do
		cmp -s "$f" "$gold/${f##*/}" || differ="$differ $f"
	done
	for f in "$gold"/*; do
		name=${f##*/}
		[ -e "harness/golden/$name" ] || [ "$name" = read_model.sql ] ||
			differ="$differ harness/golden/$name (new)"
	done
	if [ -z "$differ" ]; then
		ok "make golden writes harness/golden/ and $shipped again, byte for byte"
	else
		fail "make golden writes other bytes than:$differ (diff them with" \
			"$gold/; make golden updates them)"
	fi
else
	fail "make golden fails (see $out/golden.txt)"
fi
catalog=${ES_CATALOG:-$BUILD/bin/catalog}
differ=""
for commands in harness/golden/*.commands; do
	name=${commands##*/}; name=${name%.commands}
	dir="$out/golden-apply-$name"
	rm -rf "$dir" && mkdir -p "$dir"
	"$catalog" --events "$dir/event_store.db" --read "$dir/read_model.db" \
		apply "$commands" >"$dir/results" 2>"$dir/stderr"
	cmp -s "$dir/results" "harness/golden/$name.results" ||
		differ="$differ $name"
done
if [ -z "$differ" ]; then
	ok "catalog apply answers every golden scenario's commands as golden"
else
	fail "catalog apply answers differently from harness/golden/ in:$differ" \
		"(see $out/golden-apply-*)"
fi

# ---- 7. make replay on the final step ---------------------------------------
# On the reference's projector the replay ends with "all K rows agree"; on
# the shipped one it lists the rows that differ. Both build into $BUILD;
# exercises/ is only read.
final=$(steps | tail -n 1)
fn=$(number_of "$final")
log="$out/replay-reference.txt"
$MAKE -s --no-print-directory replay STEP="$fn" IMPL=solutions \
	BUILD="$BUILD" >"$log" 2>&1
last=$(tail -n 1 "$log")
case "$last" in
"all "*" rows agree") ok "make replay STEP=$fn on the reference's projector: $last" ;;
*) fail "make replay STEP=$fn on the reference's projector does not end with" \
	"'all K rows agree' (see $log)" ;;
esac
log="$out/replay-shipped.txt"
$MAKE -s --no-print-directory replay STEP="$fn" IMPL=exercises \
	BUILD="$BUILD" >"$log" 2>&1
differ=$(grep -c '^    ~ ' "$log")
if grep -q -E '^[0-9]+ of [0-9]+ rows differ' "$log" && [ "$differ" -gt 0 ]; then
	ok "make replay STEP=$fn on the shipped projector lists $differ differing rows"
else
	fail "make replay STEP=$fn on the shipped projector lists no differing rows" \
		"(see $log)"
fi

# ---- 8. make diff and the memcheck summary ----------------------------------
# Step 5's files are stubs in exercises/: es_decide differs from the
# reference's. No valgrind here: the summary reads canned logs.
log="$out/diff-list.txt"
BUILD="$BUILD" sh harness/kata.sh diff 5 >"$log" 2>&1
if grep -q -E '^  es_decide +differs +yours [0-9]+ lines?, reference [0-9]+$' \
	"$log"; then
	ok "make diff STEP=5 lists es_decide as differing, with both sizes"
else
	fail "make diff STEP=5 does not list es_decide as differing with sizes" \
		"(see $log)"
fi
log="$out/diff-fn.txt"
BUILD="$BUILD" sh harness/kata.sh diff 5 es_decide >"$log" 2>&1
# In one function's diff, the only lines at column 0 are its head and braces.
others=$(grep -E '^[-+ ][A-Za-z_]' "$log" | grep -v -c 'es_decide(')
if grep -q '^--- yours exercises/05-command-handler/decide.c:' "$log" &&
	grep -q '^+++ reference solutions/05-command-handler/decide.c:' "$log" &&
	grep -q '^[-+ ]int es_decide(' "$log" && [ "$others" -eq 0 ]; then
	ok "make diff STEP=5 FN=es_decide diffs es_decide and nothing else"
else
	fail "make diff STEP=5 FN=es_decide is not a diff of es_decide alone" \
		"(see $log)"
fi
# A step whose code is in earlier steps' files (section 1a): make diff
# lists the functions of those files that its markers are in, no other;
# a step with files of its own lists them after its own ("also changes").
for d in $(steps); do
	n=$(number_of "$d")
	files=$(marked_files "$n")
	[ -n "$files" ] || continue
	log="$out/diff-marked-$d.txt"
	BUILD="$BUILD" sh harness/kata.sh diff "$n" >"$log" 2>&1
	# shellcheck disable=SC2086
	want=$(awk -v mode=functions -v want="$n" -f harness/c_strip.awk -f harness/step_markers.awk \
		$files | cut -f 2 | sort -u)
	got=$(awk '/also changes these functions/ { n = NR } { line[NR] = $0 }
		END { for (i = n + 1; i <= NR; i++) print line[i] }' "$log" |
		sed -n -e 's/^  \([A-Za-z_][A-Za-z0-9_]*\)  *\(same\|differs\) .*/\1/p' \
		-e 's/^  only in [a-z ]*: \([A-Za-z0-9_]*\) .*/\1/p' |
		sort -u)
	if [ -n "$got" ] && [ "$got" = "$want" ]; then
		ok "make diff STEP=$n lists the $(echo "$got" | wc -l) functions" \
			"of earlier steps' files that step $n changes, and no other"
	else
		fail "make diff STEP=$n does not list the functions step $n's" \
			"markers are in (see $log)"
	fi
done
fixtures=tests/fixtures/memcheck
log="$out/memcheck-learner.txt"
BUILD="$BUILD" sh harness/kata.sh memcheck-summary 3 \
	"$fixtures/leak-in-learner-file.log" >"$log" 2>&1
if grep -q '^    exercises/03-aggregate/aggregate.c:62 (apply_created):' \
	"$log" &&
	grep -q 'freed in your code at exercises/03-aggregate/aggregate.c:38' \
		"$log" && grep -q '^Besides, 1 test failed' "$log"; then
	ok "the memcheck summary names the learner's file:line of a leak and" \
		"of a freed block, and the failure that is not memory's"
else
	fail "the memcheck summary of $fixtures/leak-in-learner-file.log" \
		"misses the learner's file:line (see $log)"
fi
log="$out/memcheck-setup.txt"
BUILD="$BUILD" sh harness/kata.sh memcheck-summary 6 \
	"$fixtures/leak-in-setup-only.log" >"$log" 2>&1
if grep -q 'set-up code in the trace: exercises/00-read-side/read_db.c:75' \
	"$log" && grep -q 'every sqlite3_prepare_v2 needs a' "$log"; then
	ok "the memcheck summary of a leak only in set-up gives the finalize advice"
else
	fail "the memcheck summary of $fixtures/leak-in-setup-only.log" \
		"gives no finalize advice (see $log)"
fi

# ---- 9. precise failures ------------------------------------------------------
# References broken on purpose, copied into $BUILD/precise/ (as section 5
# does), each built on the reference's earlier steps.
precise="$BUILD/precise"
# broken_step DIR FILE SED...: a copy of step DIR's reference with FILE
# changed by the sed expressions; prints the tree's path.
broken_step() {
	tree="$precise/$1"
	rm -rf "$tree" && mkdir -p "$tree/$1"
	cp solutions/"$1"/*.c "$tree/$1/"
	d=$1 f=$2
	shift 2
	sed "$@" "solutions/$d/$f" >"$tree/$d/$f"
	echo "$tree"
}
# The line after the first line of $1 that is exactly $2.
line_after() {
	awk -v want="$2" 'found { print; exit } $0 == want { found = 1 }' "$1"
}
# A row of step 6 column by column; a helper's failure with the test's line.
tree=$(broken_step 06-projector projector.c \
	-e 's/return on_price_changed(prj, ev, err);/(void)on_price_changed; return ES_OK;/' \
	-e 's/return on_viewed(prj, ev, err);/(void)on_viewed; return es_error_set(err, ES_EDB, "views are not counted");/')
log="$out/precise-rows.txt"
check_quiet STEP=6 IMPL="$tree" PRIOR=solutions >"$log"
if grep -q -x '      row 1 of product_detail_view differs in: price, updated_at' "$log" &&
	grep -q -E '^        price +29\.99 +44\.99 +<-$' "$log" &&
	grep -q -E '^        stock +100 +100$' "$log"; then
	ok "a row that differs is shown column by column, the columns that differ marked"
else
	fail "step 6's broken projector: no row shown column by column (see $log)"
fi
suite=exercises/06-projector/test_projector.c
pair=$(awk '/^      called from / && prev ~ /^      at / { print prev; print; exit }
	{ prev = $0 }' "$log")
at=$(printf '%s\n' "$pair" | sed -n "s|^      at $suite:\([0-9]*\)$|\1|p")
from=$(printf '%s\n' "$pair" |
	sed -n "s|^      called from $suite:\([0-9]*\)$|\1|p")
helper=$(awk -v n="$at" 'NR <= n && /^static / { h = $0 } NR == n { print h }' "$suite")
if [ -n "$from" ] && sed -n "${from}p" "$suite" | grep -q 'project_ok(' &&
	echo "$helper" | grep -q 'project_ok('; then
	ok "a failure in a helper (project_ok, line $at) names the test's line too ($from)"
else
	fail "a failure in project_ok does not say which line of the test called it (see $log)"
fi
# A string with a marker under its first difference; a table row's input.
tree=$(broken_step 04-commands commands.c \
	-e "s/\"unknown command type '%s'\"/\"unknown command kind '%s'\"/")
log="$out/precise-string.txt"
check_quiet STEP=4 IMPL="$tree" PRIOR=solutions >"$log"
input=$(line_after "$log" "      unknown type: the message differs at character 17:")
actual=$(line_after "$log" "$input")
expected=$(line_after "$log" "$actual")
marker=$(line_after "$log" "$expected")
# The marker stands in the column where the two lines shown first differ.
# (Both labels, "actual" and "expected", take 18 columns.)
column=$(awk -v a="$actual" -v b="$expected" \
	'BEGIN { for (i = 19; substr(a, i, 1) == substr(b, i, 1); i++); print i }')
if [ "$input" = '        input     "{"type":"Foo"}"' ] &&
	[ "$actual" = "        actual    \"unknown command kind 'Foo'\"" ] &&
	[ "$(printf '%s\n' "$marker" | awk '{ print index($0, "^") }')" = "$column" ]; then
	ok "a string that differs is marked at its first difference (column $column), after the row's input"
else
	fail "step 4's broken parser: no marker under the message's first difference," \
		"or no input of the table row (see $log)"
fi
# A crash suggests a memcheck of that one test, which runs as printed; a
# timeout suggests a debugger, not valgrind.
tree=$(broken_step 03-aggregate aggregate.c \
	-e 's/p->price = ev->price.new_price;/p->price = *(volatile double *)0;/' \
	-e 's/p->view_count++;/for (;;) p->view_count++;/')
log="$out/precise-crash.txt"
check_quiet STEP=3 IMPL="$tree" PRIOR=solutions TEST="PriceChanged sets" >"$log"
cmd=$(sed -n 's/^      \(make memcheck .*\)/\1/p' "$log")
memlog="$out/precise-memcheck.txt"
want="make memcheck STEP=3 IMPL=$tree PRIOR=solutions"
[ "$BUILD" = build ] || want="$want BUILD=$BUILD"
want="$want TEST='PriceChanged sets the price and nothing else'"
if [ "$cmd" != "$want" ]; then
	fail "after a crash, not the memcheck command of that test (see $log)"
elif eval "$cmd" >"$memlog" 2>&1; then
	fail "the suggested memcheck passes: $cmd (see $memlog)"
elif grep -q "valgrind's report above shows where" "$memlog" &&
	grep -q "es_product_apply (.*aggregate.c:" "$memlog"; then
	ok "after a crash: $cmd (runs as printed; valgrind names the line)"
else
	fail "after a crash, the memcheck suggested does not show where (see $memlog)"
fi
log="$out/precise-timeout.txt"
ES_TEST_TIMEOUT=1 check_quiet STEP=3 IMPL="$tree" PRIOR=solutions \
	TEST="ProductViewed adds one" >"$log"
if grep -q "^      stopped after 1 s" "$log" && ! grep -q "memcheck\|valgrind" "$log" &&
	grep -q "gdb" "$log"; then
	ok "after a timeout: a debugger to see where it loops, no valgrind"
else
	fail "after a timeout, the advice is not a debugger (see $log)"
fi
long=$(cat "$out"/precise-*.txt | awk 'length > 200' | head -n 1)
if [ -z "$long" ]; then
	ok "no line of these failures is longer than 200 characters"
else
	fail "a line of over 200 characters: $long"
fi
# Runner output quoted in the docs is what the runner prints: in fenced
# blocks, a test's line names a test of a suite, a location a file, a
# summary has the summary's form; a `code span` with words of the
# runner's output occurs in the output of the runs above (N: a number).
runs=$(ls "$out"/stub-*.txt "$out"/precise-*.txt 2>/dev/null)
untrue=""
for doc in README.md docs/*.md docs/hints/*.md; do
	# Each fenced block's lines, less the indentation of its fence.
	quoted=$(awk '/^ *```/ { match($0, /^ */); indent = RLENGTH
		fenced = !fenced; next }
		fenced { print substr($0, indent + 1) }' "$doc")
	while IFS= read -r line; do
		case "$line" in
		"  ✓ "* | "  ✗ "*)
			name=${line#  ✓ }
			name=${name#  ✗ }
			# shellcheck disable=SC2086
			grep -q -x -F -e "  ✓ $name" -e "  ✗ $name" $runs ||
				grep -q -F "\"$name\"" tests/test_catalog*.c ||
				untrue="$untrue [$doc: no test \"$name\"]" ;;
		"      at "* | "      called from "*)
			file=${line##* }
			[ -f "${file%:*}" ] || untrue="$untrue [$doc: $line]" ;;
		*passed*failed* | *"kept in"* | *FAIL*)
			printf '%s\n' "$line" |
				grep -q -E '^[0-9]+ passed, [0-9]+ failed$|^      its files are kept in ' ||
				untrue="$untrue [$doc: $line]" ;;
		esac
	done <<QUOTED
$quoted
QUOTED
	set -f # a span such as `*.c` is not a pattern for file names
	for span in $(grep -v -i 'self-check\|selfcheck' "$doc" |
		grep -o '`[^`]*`' | tr -d '`' | tr ' ' '\037'); do
		span=$(printf '%s\n' "$span" | tr '\037' ' ')
		case "$span" in
		*✓* | *✗* | *passed* | *failed* | *FAIL* | *"kept in"* | \
			*"called from"* | *"stopped after"* | *crashed* | *differs*) ;;
		*) continue ;;
		esac
		pattern=$(printf '%s\n' "$span" | sed -e 's/[][\.*^$+?(){}|]/\\&/g' \
			-e 's/ \\\.\\\.\\\.$//' -e 's/\bN\b/[0-9]+/g')
		# shellcheck disable=SC2086
		grep -q -E -e "$pattern" $runs || untrue="$untrue [$doc: \`$span\`]"
	done
	set +f
done
if [ -z "$untrue" ]; then
	ok "the runner output the docs quote is what the runner prints"
else
	fail "the docs quote output the runner does not print:$untrue"
fi


# ---- 10. the Makefile ---------------------------------------------------------
# make -n reads the Makefile and runs nothing: no build folder appears,
# before the corrections step or from it on (the learner's flags differ).
nb="$BUILD/make-n"
corr=$(steps | grep -e '-corrections$' | head -n 1)
for n in 1 ${corr:+"$(number_of "$corr")"}; do
	rm -rf "$nb"
	$MAKE -n --no-print-directory check STEP="$n" BUILD="$nb" >/dev/null 2>&1
	if [ -e "$nb" ]; then
		fail "make -n check STEP=$n created $nb: reading the Makefile has" \
			"side effects"
	else
		ok "make -n check STEP=$n creates nothing"
	fi
done
# Every .PHONY target but the internal ones has a ## note, so make help
# (harness/help.awk) lists it.
help=$($MAKE -s --no-print-directory help)
missing=""
for t in $(awk '/^\.PHONY:/ { on = 1; sub(/^\.PHONY:/, "") }
	on { line = $0; sub(/\\$/, "", line); print line; on = /\\$/ }' Makefile); do
	case "$t" in replay-bin | deps | FORCE | *-bins) continue ;; esac
	want="make $t"
	[ "$t" = all ] && want="make   "
	printf '%s\n' "$help" | grep -q "^  $want" || missing="$missing $t"
done
if [ -z "$missing" ]; then
	ok "make help lists every target a user types"
else
	fail "make help misses:$missing (give each a ## note)"
fi

# ---- 11. the contract: what the suites require, the headers and guides say --
# tests/contract.sh prints one line per step; then the same check on a copy
# whose step-4 guide and header lose one message must fail, naming it.
log="$out/contract.txt"
if sh tests/contract.sh >"$log" 2>&1; then
	ok "every string the suites require is in its step's headers or guide" \
		"(strings by step: $(sed -n 's/^step [0-9]*: \([0-9]*\) string.*/\1/p' \
			"$log" | tr '\n' ' ' | sed 's/ $//'))"
else
	fail "$(grep -c '^  step' "$log") strings the suites require are in no" \
		"header or guide, first $(grep -m 1 '^  step' "$log" |
			sed 's/^  //; s/ is in no header.*//') (see $log)"
fi
tree="$BUILD/contract-broken"
message="a command must be a JSON object"
rm -rf "$tree" && mkdir -p "$tree/harness" "$tree/docs"
cp harness/*.h harness/fixtures.c "$tree/harness/"
cp docs/*.md "$tree/docs/"
for d in exercises/*/; do
	mkdir -p "$tree/$d" && cp "$d"*.h "$d"test_*.c "$tree/$d"
done
for f in docs/04-commands.md exercises/04-commands/commands.h; do
	grep -v -F "$message" "$f" >"$tree/$f"
done
log="$out/contract-broken.txt"
if sh tests/contract.sh "$tree" >"$log" 2>&1; then
	fail "tests/contract.sh passes when step 4's guide and header lose" \
		"\"$message\" (see $log)"
elif grep -q "^  step 4: \"$message\"" "$log"; then
	ok "tests/contract.sh fails when step 4's guide and header lose" \
		"\"$message\""
else
	fail "tests/contract.sh fails without naming \"$message\" and step 4" \
		"when they lose it (see $log)"
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
