// Flex Consumption blob triggers are Event Grid based: a system topic on the storage account. The subscription
// to IngestLog's webhook needs the running app's blobs_extension key, so it is infra/events.bicep, deployed after
// the code. Here: the topic with its own identity (allowed to write dead letters into their container) and an
// alert when an upload's event is dead-lettered — that upload is not ingested until someone replays it.
param topicName string
param location string
param tags object
param storageAccountName string
param deadLetterContainerName string
param actionGroupName string
@description('Notified when events are dead-lettered; empty: the alert shows in the portal only.')
param alertEmail string

var blobDataContributor = 'ba92f5b4-2d11-453d-a403-e96b0029c9fe'

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: storageAccountName

  resource blobs 'blobServices' existing = {
    name: 'default'

    resource deadLetters 'containers' existing = {
      name: deadLetterContainerName
    }
  }
}

resource topic 'Microsoft.EventGrid/systemTopics@2024-06-01-preview' = {
  name: topicName
  location: location
  tags: tags
  identity: { type: 'SystemAssigned' }
  properties: {
    source: storage.id
    topicType: 'Microsoft.Storage.StorageAccounts'
  }
}

// Shared keys are off, so Event Grid writes dead letters with its identity, scoped to that one container.
resource deadLetterWriter 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(storage::blobs::deadLetters.id, topicName, blobDataContributor)
  scope: storage::blobs::deadLetters
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', blobDataContributor)
    principalId: topic.identity.principalId
    principalType: 'ServicePrincipal'
  }
}

resource actionGroup 'Microsoft.Insights/actionGroups@2023-01-01' = if (!empty(alertEmail)) {
  name: actionGroupName
  location: 'global'
  tags: tags
  properties: {
    groupShortName: 'demand'
    enabled: true
    emailReceivers: [ { name: 'operator', emailAddress: alertEmail, useCommonAlertSchema: true } ]
  }
}

// Dead-lettered: delivery failed for 24 h or 30 attempts (app down, key rotated without re-subscribing).
// Dropped: could not even be dead-lettered. Either way a merchant's upload has not been ingested.
resource undelivered 'Microsoft.Insights/metricAlerts@2018-03-01' = [for metric in [ 'DeadLetteredCount', 'DroppedEventCount' ]: {
  name: '${topicName}-${metric}'
  location: 'global'
  tags: tags
  properties: {
    description: 'Uploads whose BlobCreated event did not reach IngestLog (docs/deploy.md, What to monitor).'
    severity: 1
    enabled: true
    scopes: [ topic.id ]
    evaluationFrequency: 'PT5M'
    windowSize: 'PT15M'
    criteria: {
      'odata.type': 'Microsoft.Azure.Monitor.SingleResourceMultipleMetricCriteria'
      allOf: [
        {
          name: metric
          criterionType: 'StaticThresholdCriterion'
          metricName: metric
          operator: 'GreaterThan'
          threshold: 0
          timeAggregation: 'Total'
        }
      ]
    }
    actions: empty(alertEmail) ? [] : [ { actionGroupId: actionGroup.id } ]
  }
}]

output topicName string = topic.name
