#!/usr/bin/env bash
# Subscribes IngestLog to BlobCreated events under logs/ (infra/events.bicep), after the app's code is deployed.
# Flex Consumption blob triggers are Event Grid based, and the webhook's blobs_extension key exists only once the
# host has started with the code; Event Grid also validates the webhook at creation, which fails while the app is
# restarting after a deployment. So: wait for the key, then deploy with retries. Idempotent.
# Usage: scripts/subscribe-events.sh [resource-group]   (default: $AZURE_RESOURCE_GROUP, as azd hooks set it)
set -euo pipefail
cd "$(dirname "$0")/.."
group="${1:-${AZURE_RESOURCE_GROUP:?usage: scripts/subscribe-events.sh <resource-group>}}"

app=$(az functionapp list --resource-group "$group" --query "[?tags.\"azd-service-name\"=='api'].name | [0]" --output tsv)
topic=$(az eventgrid system-topic list --resource-group "$group" --query "[0].name" --output tsv)
storage=$(az storage account list --resource-group "$group" --query "[0].name" --output tsv)
host=$(az functionapp show --resource-group "$group" --name "$app" --query defaultHostName --output tsv)
[ -n "$app" ] && [ -n "$topic" ] && [ -n "$storage" ] || { echo "subscribe-events: app, topic or storage not found in $group (provision first)" >&2; exit 1; }

echo "subscribe-events: waiting for the blobs_extension key of $app"
key=""
for attempt in $(seq 1 30); do
  # A request starts the host if Flex has scaled it to zero; the host creates the extension's key at start.
  curl -s -o /dev/null --max-time 20 "https://$host/" || true
  key=$(az functionapp keys list --resource-group "$group" --name "$app" --query systemKeys.blobs_extension --output tsv 2>/dev/null || true)
  [ -n "$key" ] && break
  echo "subscribe-events: no key yet ($attempt/30)"
  sleep 10
done
[ -n "$key" ] || { echo "subscribe-events: the app never exposed a blobs_extension key: is IngestLog deployed? (az functionapp function list -g $group -n $app)" >&2; exit 1; }

for attempt in 1 2 3 4 5; do
  if az deployment group create --resource-group "$group" --name demand-events --template-file infra/events.bicep \
      --parameters topicName="$topic" functionAppName="$app" storageAccountName="$storage" --output none; then
    echo "subscribe-events: BlobCreated under logs/ -> IngestLog (dead letters: container eventgrid-deadletter)"
    exit 0
  fi
  echo "subscribe-events: attempt $attempt failed (webhook validation while the app restarts?); retrying"
  sleep $((attempt * 20))
done
echo "subscribe-events: giving up; re-run scripts/subscribe-events.sh $group once the app answers" >&2
exit 1
