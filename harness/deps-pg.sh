#!/bin/sh
# deps-pg.sh: make sure PostgreSQL's server and libpq's headers are there,
# for the optional step 18 only (make pg); the core kata's build never
# calls it.
#
# When `harness/pg.sh available` says something is missing, it installs
# the Debian packages postgresql (the server, and psql with it) and
# libpq-dev with apt-get if it runs as root or may use sudo without a
# password. Otherwise it prints, in one line, the exact command to type,
# and exits 1. Prints nothing when all is in place, as deps.sh does.
#
# Installing postgresql makes Debian create a cluster of its own
# (/var/lib/postgresql/N/main, run by the user postgres) and start it
# where services run. The kata neither needs nor touches it: pg.sh runs
# its own server under build/pg/, on a unix socket there and no TCP port.
# Nor does it stop Debian's cluster: whether that one runs is the
# machine's business.

PACKAGES="postgresql libpq-dev"

have_all() {
	sh "$(dirname "$0")/pg.sh" available
}

have_all && exit 0

if [ "$(id -u)" = 0 ]; then
	SUDO=
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
	SUDO="sudo -n"
else
	echo "pg: PostgreSQL is not installed; install it with:" \
		"sudo apt-get install -y $PACKAGES" >&2
	exit 1
fi

echo "pg: installing $PACKAGES" >&2
export DEBIAN_FRONTEND=noninteractive
# shellcheck disable=SC2086
if ! $SUDO apt-get install -y -q $PACKAGES >/dev/null 2>&1; then
	# A fresh machine may have empty package lists: fetch them and retry.
	$SUDO apt-get update -q >/dev/null 2>&1
	# shellcheck disable=SC2086
	if ! out=$($SUDO apt-get install -y -q $PACKAGES 2>&1); then
		last=$(printf '%s\n' "$out" | tail -n 1)
		echo "pg: apt-get failed ($last); install by hand:" \
			"sudo apt-get install -y $PACKAGES" >&2
		exit 1
	fi
fi
if ! have_all; then
	echo "pg: $PACKAGES installed, but still no server under" \
		"/usr/lib/postgresql/*/bin, or no" \
		"/usr/include/postgresql/libpq-fe.h" >&2
	exit 1
fi
