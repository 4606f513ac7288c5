#!/usr/bin/env bash
# Runs Demand end to end on local defaults: cosmosdb-server + Azurite + the local Functions host driving the
# real isolated worker; generated sample logs go blob -> IngestLog -> Cosmos -> ScoreUsers/MineReviews. Prints a
# summary and keeps serving http://127.0.0.1:7071/api until Ctrl-C (--once: exit after the summary).
set -euo pipefail
cd "$(dirname "$0")"
export DEMAND_CONFIGURATION="${DEMAND_CONFIGURATION:-Release}"
./scripts/setup.sh
exec dotnet "src/Demand.Cli/bin/$DEMAND_CONFIGURATION/net10.0/demand.dll" run "$@"
