#!/usr/bin/env bash
# Runs every test suite: scripts/test.d/*.sh in order. Every suite runs even when an earlier one
# fails, so one run shows all failures; the exit status is non-zero if any suite failed.
set -uo pipefail
cd "$(dirname "$0")/.."
failed=()
passed=0
for suite in scripts/test.d/*.sh; do
  name=${suite##*/}
  echo "== test suite: $name"
  start=$(date +%s)
  if bash "$suite"; then
    passed=$((passed + 1))
    echo "== test suite $name: ok ($(( $(date +%s) - start ))s)"
  else
    failed+=("$name")
    echo "== test suite $name: FAILED ($(( $(date +%s) - start ))s)"
  fi
done
echo "suites: ${passed} passed, ${#failed[@]} failed${failed:+ (${failed[*]})}"
[ ${#failed[@]} -eq 0 ]
