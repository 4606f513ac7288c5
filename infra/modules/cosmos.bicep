// Cosmos DB (NoSQL): database `demand` and the containers of architecture.md, local auth disabled,
// data-plane RBAC (Built-in Data Contributor) for the app identity and the operator.
param name string
param location string
param tags object
param serverless bool
param autoscaleMaxThroughput int
param appPrincipalId string
@description('The deploying operator (empty: none): creates merchant API keys (demand merchants add) and inspects data.')
param operatorPrincipalId string
@description('Subnet for a private endpoint; empty keeps the account public (Entra auth only).')
param privateEndpointSubnetId string
param privateDnsZoneId string

param databaseName string = 'demand'

var builtInDataContributor = '00000000-0000-0000-0000-000000000002'
var isolated = !empty(privateEndpointSubnetId)

// Index only what queries filter on: documents are read by point reads almost always, and the
// features/profiles documents are large, so indexing everything would multiply write RUs.
var containers = [
  {
    name: 'features'
    paths: [ '/merchantId', '/userId' ]
    ttl: -1
    included: [ '/merchantId/?', '/userId/?', '/lastSeen/?' ]
  }
  {
    name: 'profiles'
    paths: [ '/merchantId', '/userId' ]
    ttl: -1
    included: [ '/merchantId/?', '/userId/?', '/updatedAt/?' ]
  }
  {
    name: 'reviewNeeds'
    paths: [ '/merchantId', '/productId' ]
    ttl: -1
    // provisional: the sweep re-mines provisional results (CosmosReviewNeedStore.ProvisionalAsync).
    included: [ '/merchantId/?', '/productId/?', '/userId/?', '/reviewId/?', '/provisional/?' ]
  }
  {
    name: 'insights'
    paths: [ '/merchantId' ]
    ttl: -1
    // categoryId: a category's product summaries (CosmosReviewNeedStore.ProductSummariesAsync).
    included: [ '/merchantId/?', '/type/?', '/createdAt/?', '/categoryId/?' ]
  }
  {
    name: 'merchants'
    paths: [ '/id' ]
    ttl: -1
    included: [ '/*' ]
  }
]

resource account 'Microsoft.DocumentDB/databaseAccounts@2024-05-15' = {
  name: name
  location: location
  tags: tags
  kind: 'GlobalDocumentDB'
  properties: {
    databaseAccountOfferType: 'Standard'
    disableLocalAuth: true
    minimalTlsVersion: 'Tls12'
    consistencyPolicy: { defaultConsistencyLevel: 'Session' }
    locations: [ { locationName: location, failoverPriority: 0, isZoneRedundant: false } ]
    capabilities: serverless ? [ { name: 'EnableServerless' } ] : []
    // Isolated: only the app, over its private endpoint (operators then work from the VNet: docs/deploy.md).
    publicNetworkAccess: isolated ? 'Disabled' : 'Enabled'
  }
}

resource database 'Microsoft.DocumentDB/databaseAccounts/sqlDatabases@2024-05-15' = {
  parent: account
  name: databaseName
  properties: {
    resource: { id: databaseName }
    options: serverless ? {} : { autoscaleSettings: { maxThroughput: autoscaleMaxThroughput } }
  }
}

resource sqlContainers 'Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers@2024-05-15' = [for c in containers: {
  parent: database
  name: c.name
  properties: {
    resource: {
      id: c.name
      partitionKey: length(c.paths) > 1
        ? { paths: c.paths, kind: 'MultiHash', version: 2 }
        : { paths: c.paths, kind: 'Hash', version: 2 }
      defaultTtl: c.ttl
      indexingPolicy: {
        indexingMode: 'consistent'
        automatic: true
        includedPaths: [for p in c.included: { path: p }]
        excludedPaths: contains(c.included, '/*') ? [ { path: '/"_etag"/?' } ] : [ { path: '/*' } ]
      }
    }
  }
}]

resource appDataRole 'Microsoft.DocumentDB/databaseAccounts/sqlRoleAssignments@2024-05-15' = {
  parent: account
  name: guid(account.id, appPrincipalId, builtInDataContributor)
  properties: {
    roleDefinitionId: '${account.id}/sqlRoleDefinitions/${builtInDataContributor}'
    principalId: appPrincipalId
    scope: account.id
  }
}

resource operatorDataRole 'Microsoft.DocumentDB/databaseAccounts/sqlRoleAssignments@2024-05-15' = if (!empty(operatorPrincipalId)) {
  parent: account
  name: guid(account.id, operatorPrincipalId, builtInDataContributor)
  properties: {
    roleDefinitionId: '${account.id}/sqlRoleDefinitions/${builtInDataContributor}'
    principalId: operatorPrincipalId
    scope: account.id
  }
}

module endpoint 'privateendpoint.bicep' = if (isolated) {
  name: 'pe-cosmos'
  params: {
    name: 'pe-${name}'
    location: location
    tags: tags
    subnetId: privateEndpointSubnetId
    targetId: account.id
    groupId: 'Sql'
    privateDnsZoneId: privateDnsZoneId
  }
}

output endpoint string = account.properties.documentEndpoint
output databaseName string = database.name
