#!/usr/bin/env bash
# How long the first-start bootstrap takes for the whole simulated universe against the fake vendor
# (docs/bootstrap.md): a fake vendor on its own port, an empty database, the jobs process with a vendor key;
# prints the bootstrap's status every 30 s and its duration at the end. Everything it makes is removed on exit.
#   bash tools/time-bootstrap.sh [tickers=12000] [--flat-files]
set -euo pipefail
cd "$(dirname "$0")/.."
tickers="${1:-12000}"
port=8799
db="bootstrap_timing_$$"
prefix="bootstrap-timing-$$"
flat=()
[ "${2:-}" = "--flat-files" ] && flat=(--flatfiles-access-key timing --flatfiles-secret-key timing-secret)
pids=()
cleanup() {
  # Each child leads its own process group (setsid): npx, tsx and node go together.
  for p in "${pids[@]}"; do kill -- "-$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  dropdb -h 127.0.0.1 --if-exists "$db" 2>/dev/null || true
  redis-cli -h 127.0.0.1 --scan --pattern "$prefix:*" | xargs -r redis-cli -h 127.0.0.1 del >/dev/null
}
trap cleanup EXIT

if curl -s "http://127.0.0.1:$port/" >/dev/null; then
  echo "time-bootstrap: port $port is taken (an earlier run still going?)" >&2
  exit 1
fi
log="${TMPDIR:-/tmp}/time-bootstrap-$$.log"
echo "logs: $log"
setsid npx tsx test/fake-vendor/cli.ts --port "$port" --tickers "$tickers" --log-level warn "${flat[@]}" >>"$log" 2>&1 &
pids+=($!)
until curl -sf "http://127.0.0.1:$port/v1/marketstatus/now?apiKey=test" >/dev/null; do sleep 1; done

export FEED=polygon POLYGON_API_KEY=test POLYGON_REST_URL="http://127.0.0.1:$port" REDIS_PREFIX="$prefix" \
  DATABASE_URL="postgres://127.0.0.1:5432/$db" LOG_LEVEL=info
if [ ${#flat[@]} -gt 0 ]; then
  export FLATFILES_URL="http://127.0.0.1:$port" FLATFILES_ACCESS_KEY=timing FLATFILES_SECRET_KEY=timing-secret
fi
npx tsx shared/db/migrate-cli.ts >/dev/null
start=$(date +%s)
setsid npx tsx jobs/main.ts >>"$log" 2>&1 &
pids+=($!)
while sleep "${POLL_SECONDS:-30}"; do
  status=$(redis-cli -h 127.0.0.1 get "$prefix:bootstrap:status")
  echo "$(($(date +%s) - start)) s: $status" | cut -c1-240
  case "$status" in *'"state":"done"'* | *'"state":"failed"'*) break ;; esac
done
echo "bootstrap of $tickers tickers: $(($(date +%s) - start)) s (load: $(cut -d' ' -f1-3 /proc/loadavg))"
