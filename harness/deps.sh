#!/bin/sh
# deps.sh: make sure the system packages the kata builds with are present.
#
# Checks with pkg-config (sqlite3, libcjson, cunit) and for valgrind. When
# something is missing it installs the Debian packages with apt-get if it
# runs as root or may use sudo without a password; otherwise it prints the
# exact command to type and exits 1. Prints nothing when all is in place.
#
# The Makefile runs it before any build; you never need to call it yourself.

PACKAGES="libsqlite3-dev libcjson-dev libcunit1-dev valgrind pkg-config"

have_all() {
	command -v pkg-config >/dev/null 2>&1 &&
		pkg-config --exists sqlite3 libcjson cunit &&
		command -v valgrind >/dev/null 2>&1
}

have_all && exit 0

if [ "$(id -u)" = 0 ]; then
	SUDO=
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
	SUDO="sudo -n"
else
	echo "deps: missing system packages; install them with:" >&2
	echo "    sudo apt-get install -y $PACKAGES" >&2
	echo "then run make again." >&2
	exit 1
fi

echo "deps: installing $PACKAGES" >&2
export DEBIAN_FRONTEND=noninteractive
# shellcheck disable=SC2086
if ! $SUDO apt-get install -y -q $PACKAGES >/dev/null 2>&1; then
	# A fresh machine may have empty package lists: fetch them and retry.
	$SUDO apt-get update -q >/dev/null 2>&1
	# shellcheck disable=SC2086
	if ! $SUDO apt-get install -y -q $PACKAGES >&2; then
		echo "deps: apt-get failed; install by hand with:" >&2
		echo "    sudo apt-get install -y $PACKAGES" >&2
		exit 1
	fi
fi

if ! have_all; then
	echo "deps: packages installed but pkg-config still misses one of" \
		"sqlite3, libcjson, cunit; check 'pkg-config --list-all'." >&2
	exit 1
fi
echo "deps: done" >&2
