#!/usr/bin/env bash
# Installs what the tests need, then builds and runs every test: units and integration tests
# (plain and under ASan+UBSan), the concurrency tests under TSan, and a bounded fuzzing run.
# SYNCMON_FUZZ_SECONDS (default 45) bounds each fuzz target.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
fuzz_seconds=${SYNCMON_FUZZ_SECONDS:-45}
started=$SECONDS

step() { printf '\n=== %s (%ds elapsed)\n' "$*" $((SECONDS - started)); }

passed=0
failed=0
# Runs one build's ctest and adds its counts to the totals printed at the end.
run_ctest() {
  local build=$1 log
  log=$(mktemp)
  local status=0
  ctest --test-dir "$root/build/$build" --output-on-failure 2>&1 | tee "$log" || status=$?
  local total fails
  total=$(sed -n 's/.*tests failed out of \([0-9]*\).*/\1/p' "$log" | tail -n 1)
  fails=$(sed -n 's/.*, \([0-9]*\) tests failed out of.*/\1/p' "$log" | tail -n 1)
  rm -f "$log"
  passed=$((passed + ${total:-0} - ${fails:-0}))
  failed=$((failed + ${fails:-0}))
  if ((status != 0)) || [[ -z "$total" ]]; then
    echo "ctest in build/$build failed"
    echo "tests: $passed passed, $((failed > 0 ? failed : 1)) failed"
    exit 1
  fi
}

step "dependencies"
bash "$root/scripts/install-deps.sh" --test

step "build: dev"
bash "$root/scripts/build.sh" dev
step "tests: dev"
run_ctest dev

step "tests: the OpenAPI document through a real validator"
if bash "$root/scripts/validate-openapi.sh"; then
  passed=$((passed + 1))
else
  echo "tests: $passed passed, $((failed + 1)) failed"
  exit 1
fi

step "build: asan+ubsan"
bash "$root/scripts/build.sh" asan
step "tests: asan+ubsan"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:verify_asan_link_order=0 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 run_ctest asan

step "build: tsan"
bash "$root/scripts/build.sh" tsan
step "tests: tsan"
TSAN_OPTIONS=halt_on_error=1 run_ctest tsan

step "build: fuzz"
bash "$root/scripts/build.sh" fuzz
step "build: release and its Debian package"
bash "$root/scripts/build.sh" release
cmake --build "$root/build/release" --target package >/dev/null
step "tests: install, run and purge the package"
deb=$(ls "$root"/build/release/syncmon_*.deb | head -n 1)
if bash "$root/tests/package/test_deb.sh" "$deb"; then
  passed=$((passed + 1))
else
  echo "tests: $passed passed, $((failed + 1)) failed"
  exit 1
fi

corpora=$(mktemp -d)
trap 'rm -rf "$corpora"' EXIT
for target in push_parser text_format; do
  step "fuzz: $target for ${fuzz_seconds}s"
  mkdir -p "$corpora/$target"
  cp "$root/tests/fuzz/corpus/$target"/* "$corpora/$target"/
  "$root/build/fuzz/tests/fuzz/${target}_fuzz" -max_total_time="$fuzz_seconds" -max_len=16384 \
    -print_final_stats=1 "$corpora/$target" 2>&1 | tail -n 6
done

step "all tests passed"
echo "tests: $passed passed, $failed failed"
