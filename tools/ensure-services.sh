#!/usr/bin/env bash
# Makes sure the local Redis and PostgreSQL are running, starting (or installing) them if not, and — unless
# --services-only (what `npm start` passes) — that the tests' `test` database exists and Chromium (for the web
# page test) is installed. Safe to run again and again.
set -euo pipefail
services_only=false
[ "${1:-}" = "--services-only" ] && services_only=true

need_root() {
  if [ "$(id -u)" != 0 ]; then
    echo "ensure-services: $1 is not available and installing it needs root; start it yourself" >&2
    exit 1
  fi
}

if ! redis-cli -h 127.0.0.1 ping >/dev/null 2>&1; then
  if ! command -v redis-server >/dev/null; then
    need_root redis-server
    apt-get update -qq && apt-get install -y -qq redis-server redis-tools >/dev/null
  fi
  mkdir -p /var/lib/redis /var/log/redis 2>/dev/null || true
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/ci.log
  for _ in $(seq 1 50); do redis-cli -h 127.0.0.1 ping >/dev/null 2>&1 && break; sleep 0.2; done
fi
# BullMQ requires that Redis never evicts its keys.
redis-cli -h 127.0.0.1 config set maxmemory-policy noeviction >/dev/null

if ! pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then
  if ! command -v pg_ctlcluster >/dev/null; then
    need_root postgresql
    apt-get update -qq && apt-get install -y -qq postgresql >/dev/null
  fi
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n 1)" main start
  for _ in $(seq 1 50); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 0.2; done
fi
$services_only && exit 0
# The web page test drives Debian's Chromium (gateway/web/page.test.ts; CHROMIUM_PATH overrides the path).
if [ -z "${CHROMIUM_PATH:-}" ] && [ ! -x /usr/bin/chromium ]; then
  need_root chromium
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi
pg_user="${PGUSER:-postgres}"
psql -h 127.0.0.1 -U "$pg_user" -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = 'test'" | grep -q 1 \
  || createdb -h 127.0.0.1 -U "$pg_user" test
