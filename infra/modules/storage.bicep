// Storage for the host (AzureWebJobsStorage), the logs/quarantine containers, the work queues, the deployment
// package and Event Grid's dead letters. Shared-key access is disabled: everything authenticates with Entra ID.
// With network isolation the app reaches it over private endpoints, but public access stays on: merchants upload
// from their own networks (with Entra or a user-delegation SAS).
param name string
param location string
param tags object
param deploymentContainerName string
@description('Where Event Grid puts BlobCreated events it could not deliver (instead of dropping them after 24 h).')
param deadLetterContainerName string
param appPrincipalId string
@description('The deploying operator (empty: none): uploads, upload SAS (user delegation key), poison-queue handling.')
param operatorPrincipalId string
@description('Subnet for private endpoints (blob, queue, table); empty: none.')
param privateEndpointSubnetId string
@description('Private DNS zone ids by sub-resource: { blob, queue, table } (only with privateEndpointSubnetId).')
param privateDnsZoneIds object

@description('Days after which quarantined rows are deleted (they hold raw merchant data).')
param quarantineRetentionDays int = 30

var roles = {
  blobDataOwner: 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b'
  blobDataContributor: 'ba92f5b4-2d11-453d-a403-e96b0029c9fe'
  queueDataContributor: '974c5e8b-45b9-4653-ba55-5f855dd0fb88'
  tableDataContributor: '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3'
}

resource account 'Microsoft.Storage/storageAccounts@2023-05-01' = {
  name: name
  location: location
  tags: tags
  kind: 'StorageV2'
  sku: { name: 'Standard_LRS' }
  properties: {
    allowSharedKeyAccess: false
    allowBlobPublicAccess: false
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
    defaultToOAuthAuthentication: true
  }
}

resource blobs 'Microsoft.Storage/storageAccounts/blobServices@2023-05-01' = {
  parent: account
  name: 'default'
}

resource containers 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = [for c in [ 'logs', 'quarantine', deploymentContainerName, deadLetterContainerName ]: {
  parent: blobs
  name: c
  properties: { publicAccess: 'None' }
}]

resource queues 'Microsoft.Storage/storageAccounts/queueServices@2023-05-01' = {
  parent: account
  name: 'default'
}

// Poison queues (<name>-poison) are created by the host on first use.
resource workQueues 'Microsoft.Storage/storageAccounts/queueServices/queues@2023-05-01' = [for q in [ 'score-requests', 'mine-requests', 'nightly-merchants' ]: {
  parent: queues
  name: q
}]

resource lifecycle 'Microsoft.Storage/storageAccounts/managementPolicies@2023-05-01' = {
  parent: account
  name: 'default'
  properties: {
    policy: {
      rules: [
        {
          name: 'expire-quarantine'
          type: 'Lifecycle'
          definition: {
            filters: { blobTypes: [ 'blockBlob' ], prefixMatch: [ 'quarantine/' ] }
            actions: { baseBlob: { delete: { daysAfterModificationGreaterThan: quarantineRetentionDays } } }
          }
        }
      ]
    }
  }
}

// The app identity: blob owner (trigger receipts, package, outputs; its generateUserDelegationKey signs the
// create-only upload URLs of POST …/uploads — shared keys are off), queue contributor (triggers and
// outputs), table contributor (the host's timer and blob-trigger bookkeeping).
resource appRoles 'Microsoft.Authorization/roleAssignments@2022-04-01' = [for role in [ roles.blobDataOwner, roles.queueDataContributor, roles.tableDataContributor ]: {
  name: guid(account.id, appPrincipalId, role)
  scope: account
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', role)
    principalId: appPrincipalId
    principalType: 'ServicePrincipal'
  }
}]

// The operator uploads logs and issues merchants' user-delegation SAS (Blob Data Contributor carries
// generateUserDelegationKey), and reads/requeues poison messages (Queue Data Contributor). No principalType:
// the deployer may be a user or a service principal, and an existing principal needs no replication hint.
resource operatorRoles 'Microsoft.Authorization/roleAssignments@2022-04-01' = [for role in (empty(operatorPrincipalId) ? [] : [ roles.blobDataContributor, roles.queueDataContributor ]): {
  name: guid(account.id, operatorPrincipalId, role)
  scope: account
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', role)
    principalId: operatorPrincipalId
  }
}]

module endpoints 'privateendpoint.bicep' = [for groupId in (empty(privateEndpointSubnetId) ? [] : [ 'blob', 'queue', 'table' ]): {
  name: 'pe-storage-${groupId}'
  params: {
    name: 'pe-${name}-${groupId}'
    location: location
    tags: tags
    subnetId: privateEndpointSubnetId
    targetId: account.id
    groupId: groupId
    privateDnsZoneId: privateDnsZoneIds[groupId]
  }
}]

output id string = account.id
output name string = account.name
output blobEndpoint string = account.properties.primaryEndpoints.blob
output queueEndpoint string = account.properties.primaryEndpoints.queue
