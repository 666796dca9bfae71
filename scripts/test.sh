#!/usr/bin/env bash
# Runs the whole test suite: installs what it needs, checks the generated code and the compose
# and Kubernetes files, starts a private PostgreSQL and Redis on loopback, builds, runs every
# test, and fuzzes the decoders briefly.
# Usage: scripts/test.sh [--no-fuzz]
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
scripts/check-generated.sh
scripts/check-compose.sh

state=$(mktemp -d /tmp/dcmms-test.XXXXXX)
cleanup() { scripts/test-servers.sh stop "$state" || true; rm -rf "$state"; }
trap cleanup EXIT
scripts/test-servers.sh start "$state"
# shellcheck disable=SC1091
source "$state/env"

swift build --build-tests
status=0
swift test >"$state/test.log" 2>&1 || status=$?
# Everything but the per-test "started" lines.
grep -vE '^(◇ Test .* started|Test Case .* started)' "$state/test.log" || true
[[ $status -eq 0 ]] || { echo "tests failed (exit $status)"; exit "$status"; }

# Second pass, alone: the tests that stop and restart the shared PostgreSQL and Redis.
restart_status=0
TEST_RESTART_SERVERS=1 swift test --filter "RestartTests|survivesRestart" >"$state/restart.log" 2>&1 \
  || restart_status=$?
grep -vE '^(◇ Test .* started|Test Case .* started)' "$state/restart.log" || true
[[ $restart_status -eq 0 ]] || { echo "restart tests failed (exit $restart_status)"; exit "$restart_status"; }

if [[ "${1:-}" != "--no-fuzz" ]]; then
  scripts/fuzz.sh "${DCMMS_FUZZ_SECONDS:-30}"
fi

# The closing line: the Swift Testing counts of both passes (the suite has no XCTest cases).
count() { sed -n 's/^✔ Test run with \([0-9]*\) tests\{0,1\} in .* passed.*/\1/p' "$1" | tail -n 1; }
main_count=$(count "$state/test.log")
restart_count=$(count "$state/restart.log")
echo "$(( ${main_count:-0} + ${restart_count:-0} )) passed, 0 failed"
