#!/bin/sh
# selfcheck.sh: the kata's tests of itself, run by `make test` after the
# suites. Each check prints "ok" or "FAIL" and a name; the last line is
# "N passed, N failed".
#
#  1. every step's suite builds against the stubs, fails there without a
#     crash, and each test that passes anyway says why in a comment
#     ("Passes against the stub: \"<test name>\"" in the suite file);
#  2. stubs and solutions define the same functions, and the files given
#     complete (step 0, main.c) exist once, in exercises/;
#  2b. no step asks the learner for more than 350 lines of code (blank
#     lines and comments not counted);
#  3. every header compiles on its own;
#  4. every function, file and make target a guide names exists, and every
#     guide has "You will learn" and "Check yourself" (answered in its
#     hints file);
#  5. each deliberately broken variant of the reference (tests/broken/) is
#     caught by the step that should catch it;
#  6. make golden, run again into $BUILD/golden/, writes the very bytes of
#     harness/golden/ and of step 15's read_model.sql, and catalog apply
#     answers each golden scenario's commands with its golden results;
#  7. make replay on the final step ends with "all K rows agree" on the
#     reference's projector and lists the differing rows on the shipped one;
#  8. every exact string a suite requires is in its step's headers or guide
#     (tests/contract.sh), and a guide and header missing one message fail.
#
# Environment: BUILD, CC, MAKE (set by the Makefile), ES_CATALOG.
set -u
BUILD=${BUILD:-build}
CC=${CC:-cc}
MAKE=${MAKE:-make}
export NO_COLOR=1
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

# The suite's closing "N passed, N failed" line in a log (make may add a
# line of its own after it).
summary_of() {
	grep -E '^[0-9]+ passed, [0-9]+ failed$' "$1" | tail -n 1
}

# ---- 1. stubs ---------------------------------------------------------------
for d in $(steps); do
	n=$(number_of "$d")
	log="$out/stub-$d.txt"
	check_quiet STEP="$n" IMPL=exercises PRIOR=solutions >"$log"
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
		case "$f" in */test_*.c | */main.c) continue ;; esac
		[ -f "$1/$2/${f##*/}" ] && f="$1/$2/${f##*/}"
		echo "$BUILD/obj/${f%.c}.o"
	done
}
for d in $(steps); do
	n=$(number_of "$d")
	stub=$(lib_objects exercises "$d")
	ref=$(lib_objects solutions "$d")
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
# without blank lines and without comments.
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
over=""
table=""
for d in $(steps); do
	set -- solutions/"$d"/*.c
	[ -f "$1" ] || continue
	n=$(code_lines "$@")
	table="$table $(number_of "$d"):$n"
	[ "$n" -gt 350 ] && over="$over step $(number_of "$d") ($n)"
done
if [ -z "$over" ]; then
	ok "no step asks for more than 350 lines of code (step:lines$table)"
else
	fail "steps over 350 lines of code to write:$over (step:lines$table)"
fi

# ---- 3. headers compile on their own ---------------------------------------
incs=$(for d in exercises/*/; do printf -- '-I%s ' "${d%/}"; done)
bad=""
for h in exercises/*/*.h harness/*.h; do
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
for variant in tests/broken/*.sed; do
	[ -f "$variant" ] || continue
	name=${variant##*/}; name=${name%.sed}
	file=$(sed -n 's/^# file: //p' "$variant")
	d=${file%%/*}
	n=$(number_of "$d")
	tree="$BUILD/broken/$name"
	rm -rf "$tree" && mkdir -p "$tree/$d"
	cp solutions/"$d"/*.c "$tree/$d/"
	sed -f "$variant" "solutions/$file" >"$tree/$file"
	if cmp -s "solutions/$file" "$tree/$file"; then
		fail "broken variant $name: its sed script changes nothing in $file"
		continue
	fi
	log="$out/broken-$name.txt"
	check_quiet STEP="$n" IMPL="$tree" PRIOR=solutions >"$log"
	caught=$(sed -n 's/^  ✗ //p' "$log" | head -n 1)
	last=$(summary_of "$log")
	case "$last" in
	"") fail "broken variant $name does not build (see $log)" ;;
	*" 0 failed") fail "broken variant $name is not caught by step $n" ;;
	*) ok "broken variant $name is caught by step $n: \"$caught\" ($last)" ;;
	esac
done

# ---- 6. golden data ----------------------------------------------------------
gold="$BUILD/golden"
shipped=exercises/15-break-fix-replay/read_model.sql
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

# ---- 8. the contract: what the suites require, the headers and guides say ---
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
