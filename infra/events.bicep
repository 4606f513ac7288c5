// The Event Grid subscription: BlobCreated under logs/ -> IngestLog's blobs-extension webhook, deployed after the
// app's code by scripts/subscribe-events.sh (deploy.sh and azd's postdeploy hook). Separate from main.bicep because
// the webhook key exists only once the app has started with its code: the script waits until listKeys shows it,
// and Event Grid's validation handshake is answered by the running app, not one restarting after a zip deploy.
targetScope = 'resourceGroup'

param topicName string
param functionAppName string
param storageAccountName string
@description('Must equal the deadLetterContainer of main.bicep (the topic may write only there).')
param deadLetterContainerName string = 'eventgrid-deadletter'

resource topic 'Microsoft.EventGrid/systemTopics@2024-06-01-preview' existing = {
  name: topicName
}

resource app 'Microsoft.Web/sites@2024-04-01' existing = {
  name: functionAppName
}

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: storageAccountName
}

resource subscription 'Microsoft.EventGrid/systemTopics/eventSubscriptions@2024-06-01-preview' = {
  parent: topic
  name: 'ingest-log'
  properties: {
    destination: {
      endpointType: 'WebHook'
      properties: {
        endpointUrl: 'https://${app.properties.defaultHostName}/runtime/webhooks/blobs?functionName=Host.Functions.IngestLog&code=${listKeys('${app.id}/host/default', '2024-04-01').systemKeys.blobs_extension}'
        maxEventsPerBatch: 1
      }
    }
    filter: {
      includedEventTypes: [ 'Microsoft.Storage.BlobCreated' ]
      subjectBeginsWith: '/blobServices/default/containers/logs/'
    }
    eventDeliverySchema: 'EventGridSchema'
    retryPolicy: { maxDeliveryAttempts: 30, eventTimeToLiveInMinutes: 1440 }
    // Undelivered events land here (with the topic's identity) instead of being dropped; an alert watches them.
    deadLetterWithResourceIdentity: {
      identity: { type: 'SystemAssigned' }
      deadLetterDestination: {
        endpointType: 'StorageBlob'
        properties: { resourceId: storage.id, blobContainerName: deadLetterContainerName }
      }
    }
  }
}

output subscriptionName string = subscription.name
