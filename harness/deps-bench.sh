#!/bin/sh
# deps-bench.sh: make sure gnuplot is there to draw `make bench`'s plot, for
# `make bench` only; the kata itself never needs it.
#
# When gnuplot is missing it installs the Debian package gnuplot-nox (no X
# needed: the plot is an SVG file) with apt-get if it runs as root or may
# use sudo without a password. Otherwise it prints, in one line, that there
# will be no plot and the exact command to type, and exits 1: the bench
# still runs and writes its CSV. Prints nothing when all is in place, as
# deps.sh does.

PACKAGES="gnuplot-nox"

command -v gnuplot >/dev/null 2>&1 && exit 0

if [ "$(id -u)" = 0 ]; then
	SUDO=
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
	SUDO="sudo -n"
else
	echo "bench: no gnuplot, so no plot (the CSV is written);" \
		"install it with: sudo apt-get install -y $PACKAGES" >&2
	exit 1
fi

echo "bench: installing $PACKAGES (for the plot)" >&2
export DEBIAN_FRONTEND=noninteractive
# shellcheck disable=SC2086
if ! $SUDO apt-get install -y -q $PACKAGES >/dev/null 2>&1; then
	# A fresh machine may have empty package lists: fetch them and retry.
	$SUDO apt-get update -q >/dev/null 2>&1
	# shellcheck disable=SC2086
	$SUDO apt-get install -y -q $PACKAGES >/dev/null 2>&1
fi
if ! command -v gnuplot >/dev/null 2>&1; then
	echo "bench: apt-get could not install gnuplot, so no plot (the CSV" \
		"is written); install it by hand: sudo apt-get install -y $PACKAGES" >&2
	exit 1
fi
