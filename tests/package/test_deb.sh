#!/usr/bin/env bash
# Installs the built .deb (as root), checks what it put where, runs the installed daemon as the
# unit's ExecStart would (as the syncmon user; CI has no systemd as PID 1), pushes, scrapes,
# stops it with SIGTERM, then purges the package and checks what is left.
#   tests/package/test_deb.sh build/release/syncmon_<version>_amd64.deb
set -euo pipefail
deb=${1:?usage: test_deb.sh <package.deb>}
[[ $(id -u) -eq 0 ]] || { echo "test_deb.sh: needs root (dpkg -i)"; exit 1; }

checks=0
fail() { echo "FAIL: $*"; echo "package: 0 passed, 1 failed"; exit 1; }
check() { checks=$((checks + 1)); "$@" || fail "$*"; }
log=$(mktemp)
cleanup() { [[ -n "${pid:-}" ]] && kill -9 "$pid" 2>/dev/null || true; rm -f "$log"; }
trap cleanup EXIT

echo "--- install $deb"
dpkg -i "$deb" >/dev/null
check test -x /usr/bin/syncmond
for file in /etc/syncmon/syncmon.yml /etc/default/syncmond /lib/systemd/system/syncmond.service \
            /usr/share/syncmon/prometheus.yml /usr/share/syncmon/syncmon-alerts.yml \
            /usr/share/syncmon/grafana-dashboard.json /usr/share/doc/syncmon/README.md \
            /usr/share/doc/syncmon/copyright /usr/share/doc/syncmon/docs/operations.md; do
  check test -f "$file"
done
check getent passwd syncmon
check test "$(stat -c %U:%a /var/lib/syncmon)" = "syncmon:750"
check test "$(stat -c %G /etc/syncmon/syncmon.yml)" = "syncmon"
conffiles=$(dpkg-query -W -f='${Conffiles}' syncmon)
check grep -q "/etc/syncmon/syncmon.yml" <<<"$conffiles"
check grep -q "/etc/default/syncmond" <<<"$conffiles"
depends=$(dpkg-query -W -f='${Depends}' syncmon)
for library in libfmt9 libspdlog1.10 libsqlite3-0 libyaml-cpp0.7 libprometheus-cpp-core1.0 libsystemd0 libjemalloc2; do
  check grep -q "$library" <<<"$depends"
done

echo "--- the installed config, the unit and the shipped Prometheus files"
check /usr/bin/syncmond --check-config /etc/syncmon/syncmon.yml
verify=$(systemd-analyze verify /lib/systemd/system/syncmond.service 2>&1 || true)
check test -z "$verify"
exposure=$(systemd-analyze security --offline=yes /lib/systemd/system/syncmond.service 2>&1 |
           sed -n 's/.*Overall exposure level for syncmond.service: \([0-9.]*\).*/\1/p')
echo "systemd-analyze security exposure: $exposure"
check awk -v e="$exposure" 'BEGIN { exit !(e != "" && e <= 2.0) }'
check promtool check rules /usr/share/syncmon/syncmon-alerts.yml >/dev/null
check promtool check config /usr/share/syncmon/prometheus.yml >/dev/null

echo "--- run as the unit does: as syncmon, with /etc/default/syncmond"
# shellcheck disable=SC1091
set -a; . /etc/default/syncmond; set +a
# The unit's command line; only the port is moved off 9465 so that the test cannot collide.
setpriv --reuid=syncmon --regid=syncmon --init-groups \
  /usr/bin/syncmond --config /etc/syncmon/syncmon.yml $SYNCMOND_OPTS --listen 127.0.0.1:0 \
  2>"$log" &
pid=$!
port=""
for _ in $(seq 100); do
  port=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$log" | head -n 1)
  [[ -n "$port" ]] && break
  sleep 0.1
done
check test -n "$port"
check test "$(ps -o user= -p "$pid")" = "syncmon"
reply=$(curl -s -X POST "http://127.0.0.1:$port/api/v1/push" -H 'Content-Type: application/json' \
  -d '{"job":"pkg","providers":[{"provider":"vtex","request_total":3,"request_success":3}]}')
check grep -q '"accepted"' <<<"$reply"
check curl -sf "http://127.0.0.1:$port/-/ready" -o /dev/null
metrics=$(curl -s "http://127.0.0.1:$port/metrics")
check grep -q '^syncmon_provider_request_total{provider="vtex"} 3$' <<<"$metrics"
kill -TERM "$pid"
status=0
wait "$pid" || status=$?
pid=""
check test "$status" -eq 0
check test -f /var/lib/syncmon/syncmon.db
check test "$(stat -c %U /var/lib/syncmon/syncmon.db)" = "syncmon"

echo "--- purge"
dpkg --purge syncmon >/dev/null
for path in /usr/bin/syncmond /etc/syncmon /etc/default/syncmond /lib/systemd/system/syncmond.service \
            /usr/share/syncmon /usr/share/doc/syncmon /var/lib/syncmon; do
  check test ! -e "$path"
done
# The system user stays, as Debian policy advises for users a package created.
check getent passwd syncmon
echo "package: $checks passed, 0 failed"
