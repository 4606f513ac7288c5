#!/usr/bin/env bash
# Deploys Demand to Azure: infrastructure (Bicep), the app package, then the Event Grid subscription
# that needs the running app's blobs-extension key. Requires: az CLI logged in, a subscription selected.
# Usage: ./deploy.sh <resource-group> [location] [environment-name]
set -euo pipefail
cd "$(dirname "$0")"
group="${1:?usage: ./deploy.sh <resource-group> [location] [environment-name]}"
location="${2:-swedencentral}"
env_name="${3:-dev}"

echo "== resource group $group ($location)"
az group create --name "$group" --location "$location" --output none

deploy() {
  az deployment group create --resource-group "$group" --name demand \
    --template-file infra/main.bicep --parameters infra/main.parameters.json \
    --parameters environmentName="$env_name" location="$location" deployEventSubscription="$1" \
    --query properties.outputs --output json
}

echo "== infrastructure"
outputs=$(deploy false)
app=$(jq -r .functionAppName.value <<<"$outputs")
storage=$(jq -r .storageAccountName.value <<<"$outputs")
container=$(jq -r .deploymentContainerName.value <<<"$outputs")

echo "== package"
./scripts/setup.sh
dotnet src/Demand.Cli/bin/Release/net10.0/demand.dll publish --out artifacts
# Flex Consumption deploys from its package container; the CLI uploads with your Entra identity.
az functionapp deployment source config-zip --resource-group "$group" --name "$app" --src artifacts/app.zip --output none

echo "== event subscription (BlobCreated under logs/ -> IngestLog)"
deploy true >/dev/null

echo "== done"
echo "API:        $(jq -r .apiBaseUrl.value <<<"$outputs")"
echo "Upload to:  $(jq -r .blobEndpoint.value <<<"$outputs")logs/<merchantId>/<yyyy-mm-dd>/<part>.jsonl[.gz]"
echo "Storage:    $storage (package container: $container)"
