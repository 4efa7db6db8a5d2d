#!/usr/bin/env bash
# Configures and builds one flavour of syncmon into build/<flavour>.
#   release  optimised daemon (scripts/run.sh); `--target package` builds the .deb
#   bench    release plus POST /bench/sink (the benchmarks' no-work ceiling route)
#   dev      RelWithDebInfo, daemon and every test
#   asan     AddressSanitizer + UndefinedBehaviorSanitizer, daemon and every test
#   tsan     ThreadSanitizer, the core library and its concurrency tests (no Beast)
#   fuzz     clang + libFuzzer targets for the parsers
set -euo pipefail
flavour=${1:?usage: build.sh release|bench|dev|asan|tsan|fuzz}
root=$(cd "$(dirname "$0")/.." && pwd)
build="$root/build/$flavour"
jobs=${SYNCMON_JOBS:-$(nproc)}

case "$flavour" in
  release) args=(-DCMAKE_BUILD_TYPE=Release -DSYNCMON_BUILD_TESTS=OFF) ;;
  bench)   args=(-DCMAKE_BUILD_TYPE=Release -DSYNCMON_BUILD_TESTS=OFF -DSYNCMON_BENCH_SINK=ON) ;;
  dev)     args=(-DCMAKE_BUILD_TYPE=RelWithDebInfo) ;;
  asan)    args=(-DCMAKE_BUILD_TYPE=Debug "-DSYNCMON_SANITIZE=address,undefined") ;;
  tsan)    args=(-DCMAKE_BUILD_TYPE=RelWithDebInfo -DSYNCMON_SANITIZE=thread -DSYNCMON_BUILD_DAEMON=OFF) ;;
  fuzz)    args=(-DCMAKE_BUILD_TYPE=RelWithDebInfo "-DSYNCMON_SANITIZE=address,undefined" -DSYNCMON_FUZZ=ON
                 -DSYNCMON_BUILD_TESTS=OFF -DSYNCMON_BUILD_DAEMON=OFF
                 -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++) ;;
  *) echo "unknown flavour $flavour" >&2; exit 2 ;;
esac

cmake -S "$root" -B "$build" -G Ninja "${args[@]}" >/dev/null
cmake --build "$build" -j "$jobs"
