#!/usr/bin/env bash
# Builds the deployable app into artifacts/app (+ artifacts/app.zip) with the .NET SDK only: no npm, no Debian
# packages, no training set-up (that is scripts/setup.sh, for tests, ./run.sh and training). Used by deploy.sh and
# by azd (azure.yaml prepackage hook), so a release machine needs nothing but the SDK.
set -euo pipefail
cd "$(dirname "$0")/.."

# demand publish runs `dotnet publish` of the worker without rebuilding its project references, so the worker and
# its libraries are built first; the CLI is what runs the publish and checks the package's shape.
dotnet build src/Demand.Functions/Demand.Functions.csproj -c Release -nologo -v quiet -clp:ErrorsOnly
dotnet build src/Demand.Cli/Demand.Cli.csproj -c Release -nologo -v quiet -clp:ErrorsOnly
dotnet src/Demand.Cli/bin/Release/net10.0/demand.dll publish --out artifacts
