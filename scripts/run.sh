#!/usr/bin/env bash
# Installs what syncmon needs, builds the daemon, and runs it with the example config.
# State goes to build/data (ignored by git); stop it with Ctrl-C (a graceful drain).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bash "$root/scripts/install-deps.sh"
bash "$root/scripts/build.sh" release
mkdir -p "$root/build/data"
exec "$root/build/release/syncmond" --config "$root/config/syncmon.yml" --data-dir "$root/build/data" "$@"
