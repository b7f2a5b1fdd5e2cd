#!/bin/sh
# deps-fuzz.sh [CC]: make sure CC (default clang) can build a libFuzzer
# program with ASan and UBSan, for `make fuzz` only; the kata itself never
# needs clang.
#
# It tries to link an empty fuzz target. When that fails it installs clang
# and its runtime, the Debian package libclang-rt-N-dev for clang N (on
# bookworm, libclang-rt-14-dev: clang alone does not bring it), with
# apt-get if it runs as root or may use sudo without a password;
# otherwise it prints the exact command to type and exits 1. Prints
# nothing when all is in place, as deps.sh does.

CC=${1:-clang}
FLAGS="-fsanitize=fuzzer,address,undefined"

can_link() {
	command -v "$CC" >/dev/null 2>&1 || return 1
	dir=$(mktemp -d) || return 1
	printf '%s\n' '#include <stddef.h>' '#include <stdint.h>' \
		'int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);' \
		'int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)' \
		'{ (void)d; (void)n; return 0; }' >"$dir/t.c"
	"$CC" $FLAGS "$dir/t.c" -o "$dir/t" >/dev/null 2>&1
	ok=$?
	rm -rf "$dir"
	return $ok
}

# The packages: clang, and the runtime of the clang there is (or will be).
packages() {
	major=$("$CC" --version 2>/dev/null |
		sed -n 's/.*clang version \([0-9]*\).*/\1/p' | head -n 1)
	if [ -z "$major" ]; then
		major=$(apt-cache depends clang 2>/dev/null |
			sed -n 's/.*Depends: clang-\([0-9]*\)$/\1/p' | head -n 1)
	fi
	echo "clang${major:+ libclang-rt-$major-dev}"
}

can_link && exit 0

if [ "$(id -u)" = 0 ]; then
	SUDO=
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
	SUDO="sudo -n"
else
	echo "fuzz: $CC cannot build a libFuzzer program; install with:" >&2
	echo "    sudo apt-get install -y $(packages)" >&2
	exit 1
fi

export DEBIAN_FRONTEND=noninteractive
install() {
	echo "fuzz: installing $(packages)" >&2
	# shellcheck disable=SC2046
	$SUDO apt-get install -y -q $(packages) >/dev/null 2>&1 && return
	# A fresh machine may have empty package lists: fetch them and retry.
	$SUDO apt-get update -q >/dev/null 2>&1
	# shellcheck disable=SC2046
	$SUDO apt-get install -y -q $(packages) >&2
}
install
# Without clang at first, its runtime's version is known only now.
can_link || install
if ! can_link; then
	echo "fuzz: $CC still cannot link with $FLAGS; install by hand:" >&2
	echo "    sudo apt-get install -y $(packages)" >&2
	exit 1
fi
echo "fuzz: $CC builds libFuzzer programs" >&2
