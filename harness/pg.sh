#!/bin/sh
# pg.sh COMMAND BUILD_DIR: the kata's own PostgreSQL server, for the
# optional step 18 (make pg, make pg-stop, make check STORE=postgres).
#
#   available          exit 0 when PostgreSQL's server (the newest version
#                      under /usr/lib/postgresql/) and libpq's header are
#                      installed, 1 otherwise; prints nothing
#   start [--install]  start the server unless it runs (then it does
#                      nothing); --install first installs what is missing
#                      (harness/deps-pg.sh). Exit 2 when something is not
#                      installed or the path will not do, 1 when initdb or
#                      the server fails
#   uri                print the URI to connect with (exit 1: not running)
#   stop               stop the server when it runs (exit 0 either way)
#   status             say in one line whether it runs (exit 0 if so, 1 if not)
#
# The server is PostgreSQL's own initdb and pg_ctl, no system service: one
# cluster in BUILD_DIR/pg/data, made once, whose superuser is kata, trusted
# on a unix socket in BUILD_DIR/pg and nowhere else (no TCP). That folder is
# mode 0700, so only its owner (and root) can connect. Debian's own cluster,
# if any, is neither needed nor touched. The URI is in BUILD_DIR/pg/uri,
# the server's log in BUILD_DIR/pg/server.log.
#
# initdb and pg_ctl refuse to run as root. As root, this script runs them,
# and psql, as the user nobody (group nogroup) with setpriv, and that user
# owns BUILD_DIR/pg: nobody owns no one's files and there is no user to
# create (Debian's user postgres would reach Debian's own cluster). The
# folders above BUILD_DIR/pg must let nobody through (o+x).
#
# Starts are serialized with flock on BUILD_DIR/pg/lock: two `make pg` at
# once start one server. A server killed without stopping leaves a stale
# postmaster.pid, which the next start's postgres finds stale and replaces.

PORT=5432
HEADER=/usr/include/postgresql/libpq-fe.h
RUN_USER=nobody
RUN_GROUP=nogroup
# A unix socket's path, ours BUILD_DIR/pg/.s.PGSQL.5432, fits in 108 bytes
# with its NUL (sun_path).
SOCKET_MAX=107

die() {
	code=$1
	shift
	echo "pg: $*" >&2
	exit "$code"
}

usage() {
	die 2 "usage: sh harness/pg.sh" \
		"available|start [--install]|uri|stop|status BUILD_DIR"
}

# has_server DIR: DIR holds the server's three programs.
has_server() {
	[ -x "$1/initdb" ] && [ -x "$1/pg_ctl" ] && [ -x "$1/postgres" ]
}

# newest_bin: prints the bin folder of the newest PostgreSQL whose server
# is installed (a newer client alone has a bin folder too), or nothing.
newest_bin() {
	found=
	for dir in $(printf '%s\n' /usr/lib/postgresql/*/bin |
		sort -t/ -k5,5n); do
		if has_server "$dir"; then
			found=$dir
		fi
	done
	echo "$found"
}

available() {
	[ -n "$(newest_bin)" ] && [ -f "$HEADER" ]
}

# require_installed: exit 2, saying what is missing, unless available.
require_installed() {
	missing=
	[ -n "$(newest_bin)" ] ||
		missing="PostgreSQL's server (initdb, pg_ctl, postgres)"
	[ -f "$HEADER" ] || missing="${missing:+$missing and }libpq's $HEADER"
	[ -z "$missing" ] || die 2 "$missing not installed; make pg installs it"
}

# set_paths BUILD_DIR: PGDIR, DATA and URI_FILE, absolute.
set_paths() {
	ABS=$(cd "$1" 2>/dev/null && pwd -P) || ABS=
	PGDIR=$ABS/pg
	DATA=$PGDIR/data
	URI_FILE=$PGDIR/uri
}

# as_server COMMAND...: runs COMMAND as the server's user, without the
# lock's file descriptor (a server that kept it would hold the lock).
as_server() {
	if [ "$(id -u)" = 0 ]; then
		setpriv --reuid="$RUN_USER" --regid="$RUN_GROUP" \
			--clear-groups "$@" 9>&-
	else
		"$@" 9>&-
	fi
}

# lock: waits for other starts and stops on this folder to finish.
lock() {
	exec 9>"$PGDIR/lock" || exit 1
	flock -w 120 9 ||
		die 1 "waited 2 minutes for $PGDIR/lock; is a make pg stuck?"
}

# read_pid_file: pid and dir from postmaster.pid's first two lines.
read_pid_file() {
	[ -f "$DATA/postmaster.pid" ] &&
		{ read -r pid && read -r dir; } <"$DATA/postmaster.pid"
}

# proc_stat PID: sets comm (the program's name) and state (Z: a zombie)
# from /proc/PID/stat; fails when there is no process PID.
proc_stat() {
	{ read -r stat <"/proc/$1/stat"; } 2>/dev/null || return 1
	comm=${stat#*\(}
	comm=${comm%") "*}
	state=${stat##*") "}
	state=${state%% *}
}

# running: a postgres runs on DATA. Not when the pid file names another
# folder (it came with a copy of this one, made while its server ran), nor
# when its process is a zombie (a postgres killed, not yet reaped by init)
# or another program that got the same number since.
running() {
	read_pid_file && [ "$dir" = "$DATA" ] && kill -0 "$pid" 2>/dev/null ||
		return 1
	[ -d /proc/self ] || return 0
	proc_stat "$pid" && [ "$comm" = postgres ] && [ "$state" != Z ]
}

# cluster_bin: sets BIN to the programs of the version that made DATA, or
# of the newest installed when there is no cluster yet.
cluster_bin() {
	BIN=$(newest_bin)
	[ -f "$DATA/PG_VERSION" ] || return 0
	read -r version <"$DATA/PG_VERSION"
	BIN=/usr/lib/postgresql/$version/bin
	has_server "$BIN" || die 1 "$DATA was made by PostgreSQL $version," \
		"which is not installed; remove $PGDIR to start afresh"
}

# uri_encode TEXT: TEXT with each byte but A-Za-z0-9/._~- written %XX.
uri_encode() {
	case $1 in
	*[!A-Za-z0-9/._~-]*) ;;
	*)
		printf '%s' "$1"
		return
		;;
	esac
	printf '%s' "$1" | od -An -v -tx1 | awk '
		BEGIN {
			for (n = 32; n < 127; n++) {
				c = sprintf("%c", n)
				if (c ~ /[A-Za-z0-9\/._~-]/)
					keep[sprintf("%02x", n)] = c
			}
		}
		{
			for (i = 1; i <= NF; i++) {
				c = ($i in keep) ? keep[$i] : "%" toupper($i)
				printf "%s", c
			}
		}'
}

# check_paths: the socket's path fits, the config can quote PGDIR, and as
# root, RUN_USER can reach PGDIR.
check_paths() {
	socket=$PGDIR/.s.PGSQL.$PORT
	bytes=$(printf '%s' "$socket" | wc -c)
	[ "$bytes" -le "$SOCKET_MAX" ] || die 2 "the socket's path $socket" \
		"is $bytes bytes, more than the $SOCKET_MAX a unix socket" \
		"allows; move the checkout to a shorter path, or set BUILD=" \
		"to a shorter folder"
	case $PGDIR in
	*[\'\"\\]* | *'
'*) die 2 "$PGDIR has a quote, a backslash or a newline;" \
		"PostgreSQL's settings cannot name it: use another checkout" ;;
	esac
	[ "$(id -u)" = 0 ] || return 0
	as_server true 2>/dev/null || die 2 "as root, pg.sh runs the server" \
		"as $RUN_USER, and setpriv cannot become $RUN_USER here"
	# The first folder on the way that RUN_USER cannot enter, if any.
	# shellcheck disable=SC2016
	blocked=$(as_server sh -c '
		set -f
		IFS=/
		p=
		[ -x / ] || { echo /; exit; }
		for part in $1; do
			p=$p/$part
			[ -x "$p" ] || { echo "$p"; exit; }
		done' sh "${ABS#/}")
	[ -z "$blocked" ] || die 2 "as root, pg.sh runs the server as" \
		"$RUN_USER, who cannot enter $blocked: chmod o+x $blocked," \
		"or run make as another user than root"
}

# init_cluster: makes the cluster once, in DATA.new then renamed, so that
# an interrupted initdb leaves no half cluster behind.
init_cluster() {
	[ ! -f "$DATA/PG_VERSION" ] || return 0
	rm -rf "$DATA" "$DATA.new"
	as_server "$BIN/initdb" -D "$DATA.new" -U kata -E UTF8 --no-locale \
		--auth-local=trust --auth-host=reject \
		>"$PGDIR/initdb.log" 2>&1 ||
		die 1 "initdb failed; see $PGDIR/initdb.log"
	echo "include 'kata.conf'" >>"$DATA.new/postgresql.conf"
	mv "$DATA.new" "$DATA"
}

# write_settings: the settings that name PGDIR, written at every start, so
# that a build folder that moved still works.
write_settings() {
	{
		echo "# harness/pg.sh writes this file at every start."
		echo "listen_addresses = ''"
		echo "port = $PORT"
		echo "unix_socket_directories = '\"$PGDIR\"'"
		echo "unix_socket_permissions = 0700"
	} >"$DATA/kata.conf"
}

# psql_kata SQL: runs SQL, psql's backslash commands too, in the database
# postgres as kata.
psql_kata() {
	printf '%s\n' "$1" | as_server "$BIN/psql" -X -q -v ON_ERROR_STOP=1 \
		-h "$PGDIR" -p "$PORT" -U kata -d postgres >/dev/null
}

start() {
	mkdir -p "$1/pg" || exit 1
	set_paths "$1"
	require_installed
	lock
	if running && [ -s "$URI_FILE" ]; then
		exit 0
	fi
	check_paths
	cluster_bin
	chmod 0700 "$PGDIR"
	cd "$PGDIR" || exit 1
	if [ "$(id -u)" = 0 ]; then
		chown -R "$RUN_USER:$RUN_GROUP" "$PGDIR" || exit 1
	fi
	init_cluster
	write_settings
	if read_pid_file && [ "$dir" != "$DATA" ]; then
		rm -f "$DATA/postmaster.pid" "$PGDIR/.s.PGSQL.$PORT.lock"
	fi
	# postgres replaces a stale pid file itself, but takes a zombie for a
	# live server: give init 5 s to reap one killed a moment ago.
	n=0
	while [ $n -lt 50 ] && read_pid_file && proc_stat "$pid" &&
		[ "$state" = Z ]; do
		sleep 0.1
		n=$((n + 1))
	done
	started=
	if ! running; then
		rm -f "$URI_FILE"
		started=1
		as_server "$BIN/pg_ctl" start -w -s -D "$DATA" \
			-l "$PGDIR/server.log" >/dev/null 2>&1 ||
			die 1 "the server did not start; the log's last line:" \
				"$(tail -n 1 "$PGDIR/server.log" 2>/dev/null)"
	fi
	psql_kata "SELECT 'CREATE DATABASE kata' WHERE NOT EXISTS
		(SELECT FROM pg_database WHERE datname = 'kata')\\gexec" ||
		die 1 "could not create the database kata"
	uri="postgresql:///kata?host=$(uri_encode "$PGDIR")&port=$PORT&user=kata"
	printf '%s\n' "$uri" >"$URI_FILE.new" && mv "$URI_FILE.new" "$URI_FILE"
	[ -z "$started" ] || echo "pg: server started, $uri"
}

stop() {
	set_paths "$1"
	[ -n "$ABS" ] && [ -d "$PGDIR" ] || exit 0
	lock
	if running; then
		cluster_bin
		cd "$PGDIR" || exit 1
		as_server "$BIN/pg_ctl" stop -m fast -w -s -D "$DATA" ||
			die 1 "pg_ctl could not stop the server;" \
				"see $PGDIR/server.log"
		echo "pg: server stopped"
	fi
	rm -f "$URI_FILE"
}

command=$1
[ $# -ge 1 ] && shift
install=
if [ "$command" = start ] && [ "${1:-}" = --install ]; then
	install=1
	shift
fi
case $command in
available)
	available
	exit
	;;
start | uri | stop | status)
	if [ $# -ne 1 ] || [ -z "$1" ]; then
		usage
	fi
	;;
*) usage ;;
esac

case $command in
start)
	if [ -n "$install" ]; then
		sh "$(dirname "$0")/deps-pg.sh" || exit 1
	fi
	start "$1"
	;;
stop) stop "$1" ;;
uri)
	set_paths "$1"
	if [ -n "$ABS" ] && running && [ -s "$URI_FILE" ]; then
		cat "$URI_FILE"
	else
		die 1 "no server runs in $1/pg; make pg starts one"
	fi
	;;
status)
	set_paths "$1"
	if [ -n "$ABS" ] && running && [ -s "$URI_FILE" ]; then
		echo "pg: running, $(cat "$URI_FILE")"
	else
		echo "pg: not running"
		exit 1
	fi
	;;
esac
