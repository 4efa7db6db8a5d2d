#!/usr/bin/env bash
# Installs the Debian packages syncmon needs to build, run and test.
# Idempotent: when every package is already present it does nothing and takes well under a second.
set -euo pipefail

BUILD_PACKAGES=(
  build-essential cmake ninja-build pkg-config git
  libboost1.81-dev libssl-dev zlib1g-dev
  prometheus-cpp-dev rapidjson-dev libsqlite3-dev sqlite3
  libfmt-dev libspdlog-dev libyaml-cpp-dev libcli11-dev doctest-dev libsystemd-dev libjemalloc-dev
)
TEST_PACKAGES=(
  curl python3 python3-pytest python3-prometheus-client prometheus prometheus-pushgateway libcurl4-openssl-dev
  clang libclang-rt-14-dev victoria-metrics openssl
)

BENCH_PACKAGES=(
  curl python3 wrk hyperfine util-linux prometheus-pushgateway
)

want=("${BUILD_PACKAGES[@]}")
# The OpenAPI validator runs on Node.js; a machine that has node and npm from elsewhere keeps them.
if [[ "${1:-}" == --test ]] && ! command -v npm >/dev/null; then
  TEST_PACKAGES+=(nodejs npm)
fi
case "${1:-}" in
  --test) want+=("${TEST_PACKAGES[@]}") ;;
  --bench) want+=("${BENCH_PACKAGES[@]}") ;;
  "") ;;
  *) echo "usage: install-deps.sh [--test|--bench]" >&2; exit 2 ;;
esac

missing=()
for pkg in "${want[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$pkg")
  fi
done

if ((${#missing[@]} == 0)); then
  exit 0
fi

if [[ $(id -u) -ne 0 ]]; then
  SUDO=sudo
else
  SUDO=
fi
echo "install-deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
