#!/usr/bin/env bash
# Deploys Demand to Azure without azd (docs/deploy.md has both paths): infrastructure (Bicep), the app package,
# then the Event Grid subscription that needs the running app's blobs-extension key.
# Requires: az CLI logged in with a subscription selected, jq, the .NET 10 SDK. Nothing else is installed.
# Usage: ./deploy.sh <resource-group> [location] [environment-name] [bicep-param=value ...]
#   e.g. ./deploy.sh rg-demand swedencentral dev vnetEnabled=true alertEmail=ops@example.com
set -euo pipefail
cd "$(dirname "$0")"
group="${1:?usage: ./deploy.sh <resource-group> [location] [environment-name] [bicep-param=value ...]}"
location="${2:-swedencentral}"
env_name="${3:-dev}"
extra=("${@:4}")

echo "== resource group $group ($location)"
az group create --name "$group" --location "$location" --output none

# No parameter file: infra/main.parameters.json is azd's (its values are azd environment references). Every
# parameter has a working default; operatorPrincipalId defaults to you (deployer()), which gives you the data roles
# for the first merchant key and upload.
echo "== infrastructure"
outputs=$(az deployment group create --resource-group "$group" --name demand \
  --template-file infra/main.bicep \
  --parameters environmentName="$env_name" location="$location" "${extra[@]}" \
  --query properties.outputs --output json)
app=$(jq -r .functionAppName.value <<<"$outputs")

echo "== package"
./scripts/publish.sh
# Flex Consumption deploys from its package container; the CLI uploads with your Entra identity.
az functionapp deployment source config-zip --resource-group "$group" --name "$app" --src artifacts/app.zip --output none

echo "== event subscription (BlobCreated under logs/ -> IngestLog)"
./scripts/subscribe-events.sh "$group"

echo "== done"
echo "API:        $(jq -r .apiBaseUrl.value <<<"$outputs")"
echo "Cosmos:     $(jq -r .cosmosEndpoint.value <<<"$outputs")"
echo "Upload to:  $(jq -r .blobEndpoint.value <<<"$outputs")logs/<merchantId>/<yyyy-mm-dd>/<part>.jsonl[.gz]"
echo "Next:       docs/deploy.md, 'First merchant key' and 'First upload'"
