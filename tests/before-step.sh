#!/bin/sh
# before-step.sh N OUT [ROOT]: the reference as it was before step N.
#
# A step may add code to earlier steps' files (step 15, corrections, adds
# a case to every switch over the event types); in solutions/ each such
# addition is marked "/* step N */" (harness/step_markers.awk says how).
# This writes every solutions/ file of the steps before N into OUT, in the
# same layout (OUT/NN-slug/file.c), without what markers of step N and
# later mark: a non-static function such a marker marks whole is the
# learner's stub of it, from the same file in exercises/. Step N's suite,
# built on OUT (make check STEP=N IMPL=exercises PRIOR=OUT), must fail:
# that is the step's stub check when its code lives in earlier files.
#
# ROOT (default .) holds solutions/ and exercises/. OUT is emptied first.
# Exits 1, naming the file and line, when a marker cannot be resolved.
set -u
[ $# -ge 2 ] || { echo "usage: $0 N OUT [ROOT]" >&2; exit 2; }
n=$1
out=$2
root=${3:-.}
case "$n" in '' | *[!0-9]*) echo "before-step: N must be a number" >&2; exit 2 ;; esac
case "$0" in */*) here=${0%/*} ;; *) here=. ;; esac
awk_file=$here/../harness/step_markers.awk

rm -rf "$out" && mkdir -p "$out" || exit 1
for dir in "$root"/solutions/[0-9][0-9]-*/; do
	[ -d "$dir" ] || continue
	d=${dir%/}; d=${d##*/}
	m=${d%%-*}; m=${m#0}
	[ "${m:-0}" -lt "$n" ] || continue
	mkdir -p "$out/$d"
	for f in "$dir"*.c; do
		[ -f "$f" ] || continue
		name=${f##*/}
		awk -v mode=strip -v from="$n" -v stub="$root/exercises/$d/$name" \
			-f "$here/../harness/c_strip.awk" -f "$awk_file" "$f" \
			>"$out/$d/$name" || {
			echo "before-step: cannot write step $n's before-tree:" \
				"a marker in $f is not resolved (above)" >&2
			exit 1
		}
	done
done
