#!/usr/bin/env bash
# scale-check.sh — two lastmile instances behind nginx, on one Postgres; `make scale-check`.
#
# It starts the local Postgres (scripts/db.sh), builds lastmile, starts two instances on
# free ports of 127.0.0.1, and nginx (scripts/nginx.sh) unprivileged in front of them with
# deploy/nginx/lastmile.conf.template, generated into a temporary directory. Then it runs
# `lastmile bench` through nginx and, while the bench runs, kills with SIGKILL the
# instance that serves the bench's board; the bench's clients reconnect through nginx to
# the other instance and send their pending ops again. At the end it checks, in the
# database, that every op the bench saw acknowledged (-acked) is in the board's log,
# that the log has no gap, and that the clients were cut and came back. It exits
# non-zero when any of this fails.
#
# Settings (environment):
#   SCALE_ROUTING     board (default): nginx hashes each board's requests to one instance;
#                     any: round robin, so a board's clients are split between instances
#   SCALE_KILL        1 (default): kill the board's instance during the run; 0: do not
#                     (to measure a routing: SCALE_KILL=0 SCALE_ROUTING=any make scale-check)
#   SCALE_BENCH_FLAGS flags for lastmile bench (default: 20 editors × 4 edits/s, 100
#                     viewers, 20 s)
#   SCALE_KEEP        1: keep the temporary directory (logs, nginx.conf, acked keys)
set -euo pipefail

# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
routing=${SCALE_ROUTING:-board}
kill_one=${SCALE_KILL:-1}
bench_flags=${SCALE_BENCH_FLAGS:--editors 20 -rate 4 -viewers 100 -duration 20s}
case $routing in board | any) ;; *) die "SCALE_ROUTING must be board or any, not '$routing'" ;; esac
case $kill_one in 0 | 1) ;; *) die "SCALE_KILL must be 0 or 1, not '$kill_one'" ;; esac

url=$(scripts/db.sh)
nginx=$(scripts/nginx.sh)
psql=$(command -v psql 2>/dev/null || ls /usr/lib/postgresql/*/bin/psql 2>/dev/null | sort -V | tail -n1 || true)
[[ -x $psql ]] || die "psql not found (it comes with Postgres: run scripts/db.sh once, or install postgresql-client)"

dir=$(mktemp -d "${TMPDIR:-/tmp}/lastmile-scale.XXXXXX")
chmod 755 "$dir"
pids=()
nginx_up=
cleanup() {
	local p
	if [[ -n $nginx_up && -f $dir/nginx.pid ]]; then kill "$(cat "$dir/nginx.pid")" 2>/dev/null || true; fi
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
	if [[ ${SCALE_KEEP:-} == 1 ]]; then log "kept $dir"; else rm -rf "$dir"; fi
}
trap cleanup EXIT

# free_port prints a port of 127.0.0.1 that nothing listens on.
free_port() {
	local p i
	for ((i = 0; i < 100; i++)); do
		p=$((20000 + RANDOM % 20000))
		if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
			echo "$p"
			return
		fi
	done
	die "found no free port"
}

wait_ready() {
	local i
	for ((i = 0; i < 300; i++)); do
		if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null &&
			[[ $(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$1$2") == 200 ]]; then
			return
		fi
		sleep 0.1
	done
	die "nothing ready on 127.0.0.1:$1$2 after 30 s"
}

# Two instances, nginx and the bench's clients hold two or three sockets per participant.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
command -v curl >/dev/null 2>&1 || apt_install curl || die "curl is needed"
log "building lastmile"
(cd "$root" && CGO_ENABLED=0 go build -o "$dir/lastmile" ./cmd/lastmile)

ports=()
for name in a b; do
	port=$(free_port)
	ports+=("$port")
	log "instance $name on 127.0.0.1:$port (log: $dir/$name.log)"
	DATABASE_URL=$url LASTMILE_ADDR=127.0.0.1:$port LASTMILE_TRUSTED_PROXIES=127.0.0.1 LASTMILE_LOG_LEVEL=warn \
		"$dir/lastmile" serve >"$dir/$name.log" 2>&1 &
	pids+=($!)
done
for port in "${ports[@]}"; do wait_ready "$port" /readyz; done

listen=$(free_port)
hash='hash $lastmile_board consistent;'
[[ $routing == any ]] && hash='# round robin: no hash'
servers=
for port in "${ports[@]}"; do
	servers+="        server 127.0.0.1:$port max_fails=1 fail_timeout=10s;"$'\n'
done
sed -e "s|@DIR@|$dir|g" -e "s|@LISTEN@|127.0.0.1:$listen|" -e "s|@HASH@|$hash|" -e "s|@WORKERS@|1|" \
	"$root/deploy/nginx/lastmile.conf.template" | awk -v servers="$servers" '/^@SERVERS@$/ { printf "%s", servers; next } { print }' \
	>"$dir/nginx.conf"
# Unprivileged: as root, nginx runs as nobody (it needs no port below 1024).
run_nginx=("$nginx" -p "$dir" -e "$dir/error.log" -c "$dir/nginx.conf")
if [[ $EUID -eq 0 ]] && id -u nobody >/dev/null 2>&1 && command -v runuser >/dev/null 2>&1; then
	chown -R nobody "$dir"
	chmod 700 "$dir/lastmile"
	run_nginx=(runuser -u nobody -- "${run_nginx[@]}")
fi
"${run_nginx[@]}" -t -q || die "nginx refused the generated configuration $dir/nginx.conf"
"${run_nginx[@]}"
nginx_up=1
wait_ready "$listen" /readyz
log "nginx on 127.0.0.1:$listen, routing: $routing"

# The bench, through nginx, in the background.
# shellcheck disable=SC2086 # bench_flags is a list of flags
"$dir/lastmile" bench -url "http://127.0.0.1:$listen" -acked "$dir/acked" $bench_flags >"$dir/bench.out" 2>&1 &
bench=$!
board=
for ((i = 0; i < 600; i++)); do
	board=$(sed -n 's/^lastmile bench: board \([A-Za-z0-9_-]*\) .*/\1/p' "$dir/bench.out")
	[[ -z $board ]] || break
	kill -0 "$bench" 2>/dev/null || break
	sleep 0.1
done
[[ -n $board ]] || { cat "$dir/bench.out" >&2; die "the bench did not start"; }

killed=
if [[ $kill_one == 1 ]]; then
	# Once everyone is connected and editing, kill the instance holding the board's room.
	for ((i = 0; i < 600; i++)); do
		grep -q '^connected ' "$dir/bench.out" && break
		kill -0 "$bench" 2>/dev/null || break
		sleep 0.1
	done
	sleep 5
	for k in 0 1; do
		conns=$(curl -s "http://127.0.0.1:${ports[$k]}/metrics" | sed -n 's/^lastmile_connections \([0-9.e+]*\)$/\1/p')
		if [[ -n $conns && $conns != 0 ]]; then
			killed=$k
			break
		fi
	done
	[[ -n $killed ]] || die "no instance holds the bench's connections"
	log "killing instance $([[ $killed == 0 ]] && echo a || echo b) (pid ${pids[$killed]}, SIGKILL) with the board's room in it"
	kill -KILL "${pids[$killed]}"
fi
wait "$bench" || { cat "$dir/bench.out" >&2; die "the bench failed"; }
cat "$dir/bench.out"

# The check: every acknowledged key is in the log, exactly once (a unique index makes
# twice impossible), and the log has no gap.
sort -u "$dir/acked" >"$dir/acked.sorted"
"$psql" "$url" -X -q -tA -v ON_ERROR_STOP=1 -c \
	"SELECT key FROM ops WHERE board_id = '$board' AND key IS NOT NULL" | sort -u >"$dir/logged"
missing() { comm -23 "$1" "$dir/logged"; }
# The checker itself: a key that is not in the log must be found missing.
printf '%s\n' "scale-check-selftest:1" | cat - "$dir/acked.sorted" | sort -u >"$dir/acked.selftest"
[[ $(missing "$dir/acked.selftest") == scale-check-selftest:1 ]] || die "the check does not see a missing key; it is broken"

acked=$(wc -l <"$dir/acked.sorted")
lost=$(missing "$dir/acked.sorted" | wc -l)
read -r count span < <("$psql" "$url" -X -q -tA -F ' ' -c "SELECT count(*), coalesce(max(seq) - min(seq) + 1, 0) FROM ops WHERE board_id = '$board'")
lostconns=$(sed -n 's/.*connections lost \([0-9]*\).*/\1/p' "$dir/bench.out")
pending=$(sed -n 's/.*still pending after the drain \([0-9]*\).*/\1/p' "$dir/bench.out")
echo "scale-check: board $board, routing $routing; $acked ops acknowledged to the bench, $lost of them not in the log; log of $count ops over $span sequences; connections lost and made again: ${lostconns:-?}; still pending: ${pending:-?}"
fail=0
if ((acked == 0)); then
	log "FAIL: the bench saw no op acknowledged"
	fail=1
fi
if ((lost > 0)); then
	log "FAIL: acknowledged ops missing from the log: $(missing "$dir/acked.sorted" | head -n 5 | tr '\n' ' ')"
	fail=1
fi
if ((count != span)); then
	log "FAIL: the log of board $board has a gap ($count ops over $span sequences)"
	fail=1
fi
if [[ -n $killed && ${lostconns:-0} == 0 ]]; then
	log "FAIL: an instance was killed but no connection of the bench was lost: the check did not test failover"
	fail=1
fi
if [[ ${pending:-1} != 0 ]]; then
	log "FAIL: ops still pending after the bench's drain"
	fail=1
fi
((fail == 0)) || exit 1
echo "scale-check: passed"
