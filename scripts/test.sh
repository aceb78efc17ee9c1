#!/usr/bin/env bash
# Runs every test target in its own test process, one after the other, then reports.
#
# Why not one `swift test`: Swift Testing runs every target's tests on one cooperative thread
# pool, as wide as the machine has cores (2 on CI). Tests that drive real processes, ptys and
# brokers block a pool thread while they wait; with all targets in one process, two of them can
# starve another target's broker tests past their deadlines. One process per target keeps each
# target's timing what its own tests expect, and on 2 cores it is faster too.
set -uo pipefail
cd "$(dirname "$0")/.."
logs=$(mktemp -d "${TMPDIR:-/tmp}/fieldgate-tests.XXXXXX")
failed=()
for dir in Tests/*/; do
  target=$(basename "$dir")
  # Tests/FieldTestSupport is a library the test targets share, not a test target.
  [[ $target == *Tests ]] || continue
  echo "== $target"
  if ! swift test --skip-build --filter "^$target\." 2>&1 | tee "$logs/$target.log" | grep -E '^(✘|✔ Test run|✘ Test run)|error:' ; then
    :
  fi
  if ! grep -q '✔ Test run with' "$logs/$target.log" || grep -q 'Test run with 0 tests' "$logs/$target.log"; then
    failed+=("$target")
  fi
done
if [ ${#failed[@]} -gt 0 ]; then
  # The summary above keeps one line per issue; a CI log must also show each issue's whole
  # message (a broker's log, a gateway's log tail), which follows it on the next lines.
  for target in "${failed[@]}"; do
    echo "== $target: the issues in full"
    grep -A 30 -E 'recorded an issue|error:' "$logs/$target.log" | head -n 400
  done
  echo "FAILED: ${failed[*]} (full logs in $logs)"
  exit 1
fi
rm -rf "$logs"
echo "all test targets passed"
