#!/usr/bin/env bash
# Runs every test on a fresh machine: installs what is needed, builds, runs all test projects and ends
# with one line "N passed, N failed". Non-zero exit on any failure.
set -euo pipefail
cd "$(dirname "$0")"
export DEMAND_CONFIGURATION="${DEMAND_CONFIGURATION:-Release}"
./scripts/setup.sh

log=$(mktemp)
status=0
# One test project at a time (-m:1): several of them start emulators, the local host and worker processes, and on
# a 2-core machine running them side by side turns timing margins into flaky failures for little wall-clock gain.
dotnet test Demand.sln -c "$DEMAND_CONFIGURATION" --no-build -nologo -v minimal -m:1 "$@" 2>&1 | tee "$log" || status=$?

passed=$(grep -oE 'Passed: +[0-9]+' "$log" | awk '{s+=$2} END {print s+0}')
failed=$(grep -oE 'Failed: +[0-9]+' "$log" | awk '{s+=$2} END {print s+0}')
projects=$(grep -cE '^(Passed|Failed)! ' "$log" || true)
rm -f "$log"
expected=$(ls -d tests/*.Tests | wc -l)
if [ "$projects" -ne "$expected" ]; then
  echo "test.sh: only $projects of $expected test projects reported results" >&2
  status=1
fi
[ "$failed" -gt 0 ] && status=1
echo "$passed passed, $failed failed"
exit $status
