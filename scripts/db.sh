#!/usr/bin/env bash
# db.sh — make sure a Postgres is available for lastmile and print its DATABASE_URL.
#
#   scripts/db.sh          start the project-local cluster if needed; print the URL on stdout
#   scripts/db.sh stop     stop the project-local cluster
#   scripts/db.sh destroy  stop it and delete its data directory
#   scripts/db.sh status   print whether it is running, stopped, or absent (not created)
#
# stdout carries exactly one line (the URL); every progress message goes to stderr,
# so callers can write url=$(scripts/db.sh).
#
# When DATABASE_URL is already set, that is the answer and nothing is started.
# Otherwise the cluster lives in .data/postgres (ignored by git), listens on 127.0.0.1 only,
# on port 54329 (LASTMILE_PG_PORT), with a unix socket inside its data directory, trust
# authentication and the superuser "postgres". When LASTMILE_PG_PORT is unset and another
# server (another checkout's cluster, say) holds 54329, the next free port up to 54399 is
# used instead; the printed URL always names the port really in use. Missing server
# binaries are installed from the Debian/Ubuntu "postgresql" package.
#
# Postgres refuses to run as root. As root, the cluster is run by the "postgres" system
# user; when that user cannot reach the project directory (a checkout inside a private
# 0700 directory, say), the data directory moves to /var/tmp/lastmile-pg-<hash of the
# project path>.
set -euo pipefail

# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
port=${LASTMILE_PG_PORT:-54329}
port_chosen=${LASTMILE_PG_PORT:+yes}
dbname=lastmile
cmd=${1:-start}

[[ $port =~ ^[0-9]+$ ]] || die "LASTMILE_PG_PORT must be a port number, got '$port'"

# find_bindir prints the directory holding the newest Postgres server binaries, if any.
find_bindir() {
	local b d=
	for b in /usr/lib/postgresql/*/bin; do
		if [[ -x $b/initdb && -x $b/pg_ctl ]]; then d+=$b$'\n'; fi
	done
	d=$(printf '%s' "$d" | sort -V | tail -n1)
	if [[ -z $d ]] && command -v initdb >/dev/null 2>&1 && command -v pg_ctl >/dev/null 2>&1; then
		d=$(dirname "$(command -v initdb)")
	fi
	[[ -n $d ]] && echo "$d"
}

install_server() {
	if ! command -v apt-get >/dev/null 2>&1; then
		die "the Postgres server binaries (initdb, pg_ctl) are not installed and this system has no apt-get.
  Either run 'docker compose up --build' (Postgres and lastmile in containers),
  or point DATABASE_URL at a Postgres you already have:
    export DATABASE_URL='postgres://USER:PASSWORD@HOST:5432/DBNAME?sslmode=disable'"
	fi
	log "Postgres server binaries not found; installing the 'postgresql' package"
	apt_install postgresql || die "could not install the 'postgresql' package; install it by hand or set DATABASE_URL"
}

# as_pg runs a command as the user who owns the cluster: the "postgres" system user when
# we are root (initdb and postgres refuse to run as root), ourselves otherwise. It runs
# from / so that a working directory the postgres user cannot enter does not matter.
as_pg() {
	if [[ $EUID -eq 0 ]]; then
		(cd / && runuser -u postgres -- "$@")
	else
		"$@"
	fi
}

# choose_datadir sets datadir and, when starting, creates it (empty, owned by the cluster
# user) if needed.
choose_datadir() {
	datadir=$root/.data/postgres
	if [[ $EUID -ne 0 ]]; then
		mkdir -p "$datadir"
		chmod 700 "$datadir"
		return
	fi
	command -v runuser >/dev/null 2>&1 || die "running as root needs 'runuser' (util-linux) to start Postgres as the postgres user"
	id -u postgres >/dev/null 2>&1 || die "running as root, but there is no 'postgres' system user to run the cluster.
  Run this script as an ordinary user, create that user, or set DATABASE_URL."

	mkdir -p "$root/.data"
	if runuser -u postgres -- test -x "$root/.data"; then
		mkdir -p "$datadir"
		chown postgres: "$datadir"
		chmod 700 "$datadir"
		if runuser -u postgres -- test -w "$datadir"; then
			return
		fi
	fi

	local sum
	sum=$(printf '%s' "$root" | sha256sum | cut -c1-12)
	datadir=/var/tmp/lastmile-pg-$sum
	if [[ ! -d $datadir ]]; then
		[[ $cmd == start ]] || return 0 # nothing there to stop or inspect
		log "the postgres user cannot reach $root/.data, so the cluster lives in $datadir"
		install -d -m 700 -o postgres -g postgres "$datadir"
	fi
	[[ $(stat -c %U "$datadir") == postgres ]] || die "$datadir exists but is not owned by the postgres user; remove it"
	runuser -u postgres -- test -w "$datadir" || die "the postgres user cannot write to $datadir"
}

# is_live_pid succeeds when the process exists and is not a zombie (a killed server
# lingers as a zombie until its parent reaps it).
is_live_pid() {
	local pid=$1
	[[ $pid =~ ^[0-9]+$ ]] || return 1
	[[ -d /proc/self ]] || {
		kill -0 "$pid" 2>/dev/null
		return
	}
	[[ -e /proc/$pid/status ]] && ! grep -q '^State:[[:space:]]*Z' "/proc/$pid/status" 2>/dev/null
}

# is_our_server succeeds when the process is a live Postgres working in our data directory.
is_our_server() {
	local pid=$1 comm cwd
	is_live_pid "$pid" || return 1
	[[ -d /proc/self ]] || return 0
	comm=$(cat "/proc/$pid/comm" 2>/dev/null) || return 1
	[[ $comm == postgres || $comm == postmaster ]] || return 1
	[[ $(stat -c %u "/proc/$pid" 2>/dev/null) == "$pg_uid" ]] || return 1
	cwd=$(readlink "/proc/$pid/cwd" 2>/dev/null) || return 1
	[[ $cwd == "$datadir" ]]
}

# running succeeds when the postmaster recorded in postmaster.pid is alive.
running() {
	[[ -f $datadir/postmaster.pid ]] || return 1
	is_our_server "$(head -n1 "$datadir/postmaster.pid" 2>/dev/null || true)"
}

# datadir_users prints the live processes still working in the data directory.
datadir_users() {
	local d
	[[ -d /proc/self ]] || return 0
	for d in /proc/[0-9]*; do
		[[ $(readlink "$d/cwd" 2>/dev/null) == "$datadir" ]] || continue
		is_live_pid "${d#/proc/}" && echo "${d#/proc/}"
	done
	return 0
}

# remove_stale_locks deletes lock files left by a server that died without cleaning up
# (killed, or the machine rebooted). Postgres discards such a file itself only when the
# pid in it is free; after a reboot that pid may belong to an unrelated process, and a
# killed server's pid stays taken while it is an unreaped zombie. The files are removed
# only once no process works in the data directory any more (a killed postmaster's
# children exit a moment after it), so two servers never share it.
remove_stale_locks() {
	local f pid i users
	for ((i = 0; i < 30; i++)); do
		users=$(datadir_users)
		[[ -n $users ]] || break
		((i > 0)) || log "waiting for the previous server's processes to exit: $(echo "$users" | tr '\n' ' ')"
		sleep 0.5
	done
	[[ -z $users ]] || die "processes $(echo "$users" | tr '\n' ' ')still use $datadir; stop them first"
	for f in "$datadir/postmaster.pid" "$datadir/.s.PGSQL.$port.lock"; do
		[[ -f $f ]] || continue
		pid=$(head -n1 "$f" 2>/dev/null || true)
		if ! is_our_server "$pid"; then
			log "removing stale lock file ${f##*/} (pid ${pid:-?} is not a running Postgres)"
			rm -f "$f"
		fi
	done
}

# close_inherited_fds closes every descriptor above stderr in the current (sub)shell, so
# the long-lived server holds neither our lock nor a pipe that a caller waits on to close.
close_inherited_fds() {
	local fd n
	for fd in /proc/self/fd/*; do
		n=${fd##*/}
		if [[ ! $n =~ ^[0-9]+$ ]] || ((n <= 2)); then continue; fi
		eval "exec $n>&-" 2>/dev/null || true
	done
}

write_config() {
	# Settings that depend on where and how we run are rewritten before every start,
	# into a file that postgresql.conf includes.
	local sockdir=$datadir
	if ((${#datadir} + 16 > 100)); then
		log "data directory path too long for a unix socket; TCP only"
		sockdir=
	fi
	as_pg tee "$datadir/lastmile.conf" >/dev/null <<-CONF
		# Written by scripts/db.sh before each start; edits here are overwritten.
		listen_addresses = '127.0.0.1'
		port = $port
		unix_socket_directories = '$sockdir'
		max_connections = 200
		logging_collector = off
	CONF
}

init_cluster() {
	log "creating a Postgres cluster in $datadir"
	local out
	if ! out=$(as_pg "$bindir/initdb" -D "$datadir" -U postgres --auth=trust --encoding=UTF8 --locale=C 2>&1); then
		printf '%s\n' "$out" >&2
		die "initdb failed"
	fi
	echo "include_if_exists = 'lastmile.conf'" | as_pg tee -a "$datadir/postgresql.conf" >/dev/null
}

start_cluster() {
	local attempt log=$datadir/server.log mark
	write_config
	log "starting Postgres on 127.0.0.1:$port (log: $log)"
	for attempt in 1 2 3 4 5; do
		remove_stale_locks
		mark=0
		if [[ -f $log ]]; then mark=$(wc -l <"$log"); fi
		if (close_inherited_fds && as_pg "$bindir/pg_ctl" start -D "$datadir" -l "$log" -w -t 60 >/dev/null); then
			return
		fi
		# After a crash the old server's children may still hold its shared memory for a
		# moment; anything else will not get better by waiting.
		tail -n +"$((mark + 1))" "$log" 2>/dev/null | grep -q 'pre-existing shared memory block' || break
		log "the previous server's processes are still exiting; retrying ($attempt)"
		sleep 2
	done
	log "Postgres did not start; the end of its log:"
	tail -n 20 "$log" >&2 || true
	if tail -n 20 "$log" 2>/dev/null | grep -q 'could not bind\|Address already in use'; then
		die "port $port is taken. Stop whatever listens there, or choose another port: LASTMILE_PG_PORT=54330 $0"
	fi
	die "could not start Postgres"
}

# port_in_use succeeds when something accepts connections on 127.0.0.1:port.
port_in_use() {
	(exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# pick_port moves port off the default when another server holds it.
pick_port() {
	[[ -z $port_chosen ]] && port_in_use "$port" || return 0
	local p
	for ((p = port + 1; p <= 54399; p++)); do
		if ! port_in_use "$p"; then
			log "port $port is taken by another server; using $p (set LASTMILE_PG_PORT to choose)"
			port=$p
			return
		fi
	done
	die "ports $port-54399 are all taken; set LASTMILE_PG_PORT to a free port"
}

wait_ready() {
	local i
	for ((i = 0; i < 60; i++)); do
		if "$bindir/pg_isready" -q -h 127.0.0.1 -p "$port" -U postgres -d postgres; then
			return
		fi
		sleep 0.5
	done
	tail -n 20 "$datadir/server.log" >&2 || true
	die "Postgres is not accepting connections on 127.0.0.1:$port"
}

ensure_database() {
	local psql=("$bindir/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$port" -U postgres -d postgres -tA)
	if [[ -z $("${psql[@]}" -c "SELECT 1 FROM pg_database WHERE datname = '$dbname'") ]]; then
		log "creating database $dbname"
		# Another caller may have created it meanwhile; only a still-missing database is an error.
		"${psql[@]}" -c "CREATE DATABASE $dbname" 2>/dev/null ||
			[[ -n $("${psql[@]}" -c "SELECT 1 FROM pg_database WHERE datname = '$dbname'") ]] ||
			die "could not create database $dbname"
	fi
}

stop_cluster() {
	if [[ ! -f $datadir/PG_VERSION ]]; then
		log "no local cluster in $datadir"
		return
	fi
	if running; then
		log "stopping Postgres in $datadir"
		as_pg "$bindir/pg_ctl" stop -D "$datadir" -m fast -w -t 60 >/dev/null
	else
		log "Postgres in $datadir is not running"
	fi
}

case $cmd in
start)
	if [[ -n ${DATABASE_URL:-} ]]; then
		echo "$DATABASE_URL"
		exit 0
	fi
	;;
stop | destroy | status) ;;
-h | --help | help)
	sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed -e '$d' -e 's/^# \{0,1\}//'
	exit 0
	;;
*) die "unknown command '$cmd' (use: start, stop, destroy, status)" ;;
esac

bindir=$(find_bindir || true)
if [[ -z $bindir ]]; then
	case $cmd in
	status)
		echo absent
		exit 0
		;;
	stop | destroy)
		log "Postgres is not installed; nothing to $cmd"
		exit 0
		;;
	esac
	install_server
	bindir=$(find_bindir || true)
	[[ -n $bindir ]] || die "installed the 'postgresql' package but still cannot find initdb"
fi
choose_datadir
# Compared with /proc/PID/cwd below, so it must be the canonical path.
if [[ -d $datadir ]]; then datadir=$(cd "$datadir" && pwd -P); fi
if [[ $EUID -eq 0 ]]; then pg_uid=$(id -u postgres); else pg_uid=$EUID; fi

# One caller at a time: a parallel 'make' must not initialise or start the cluster twice.
if command -v flock >/dev/null 2>&1; then
	exec 9>"$root/.data/db.lock"
	flock 9
fi

case $cmd in
status)
	log "data directory: $datadir"
	if [[ ! -f $datadir/PG_VERSION ]]; then
		echo absent
	elif running; then
		echo running
	else
		echo stopped
	fi
	exit 0
	;;
stop)
	stop_cluster
	exit 0
	;;
destroy)
	stop_cluster
	log "deleting $datadir"
	rm -rf "$datadir"
	exit 0
	;;
esac

if [[ ! -f $datadir/PG_VERSION ]]; then
	if [[ -n $(ls -A "$datadir") ]]; then
		die "$datadir is not empty and holds no Postgres cluster; move it away or run 'scripts/db.sh destroy'"
	fi
	init_cluster
fi

if running; then
	recorded=$(sed -n 4p "$datadir/postmaster.pid" 2>/dev/null || true)
	if [[ -z $port_chosen && $recorded =~ ^[0-9]+$ ]]; then
		port=$recorded
	elif [[ $recorded != "$port" ]]; then
		log "the cluster runs on port ${recorded:-?}, not $port; restarting it"
		as_pg "$bindir/pg_ctl" stop -D "$datadir" -m fast -w -t 60 >/dev/null
		start_cluster
	fi
else
	pick_port
	start_cluster
fi
wait_ready
ensure_database
echo "postgres://postgres@127.0.0.1:${port}/${dbname}?sslmode=disable"
