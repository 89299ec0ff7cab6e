#!/usr/bin/env bash
# signup-burst.sh BINARY N — starts the lastmile binary on a fresh database of the local
# Postgres (scripts/db.sh), sends N sign-ups at once from 127.0.0.1, and prints the
# server's RSS before, its peak RSS (VmHWM) after, and the answers' statuses. It measures
# what a crowd of sign-ups costs in memory (docs/security.md).
set -euo pipefail
bin=${1:?usage: scripts/signup-burst.sh BINARY N}
n=${2:?usage: scripts/signup-burst.sh BINARY N}
port=${PORT:-18099}
here=$(cd "$(dirname "$0")" && pwd)
admin=$("$here/db.sh")
db=lastmile_burst_$RANDOM$RANDOM
psql -q "$admin" -c "CREATE DATABASE $db"
trap 'psql -q "$admin" -c "DROP DATABASE IF EXISTS $db WITH (FORCE)"' EXIT
url="${admin%/*}/$db?sslmode=disable"
log=$(mktemp)
DATABASE_URL=$url LASTMILE_ADDR=127.0.0.1:$port "$bin" serve >"$log" 2>&1 &
pid=$!
for _ in $(seq 100); do curl -s -o /dev/null "http://127.0.0.1:$port/livez" && break; sleep 0.1; done
before=$(awk '/VmRSS/ {print $2}' /proc/$pid/status)
codes=$(mktemp)
curls=()
for i in $(seq "$n"); do
	curl -s -o /dev/null -w '%{http_code}\n' -X POST \
		-d "email=burst$i-$RANDOM@example.org&password=correct+horse+battery" \
		"http://127.0.0.1:$port/signup" >>"$codes" &
	curls+=($!)
done
wait "${curls[@]}"
peak=$(awk '/VmHWM/ {print $2}' /proc/$pid/status)
kill "$pid"
wait "$pid" || true
echo "sign-ups: $n; RSS before: $((before / 1024)) MiB; peak RSS: $((peak / 1024)) MiB"
echo "statuses: $(sort "$codes" | uniq -c | awk '{printf "%s×%s ", $1, $2}')"
rm -f "$codes" "$log"
