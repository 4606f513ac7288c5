// Azure OpenAI for review need mining; local (key) auth disabled, the app identity is a
// "Cognitive Services OpenAI User" and calls the v1 endpoint https://<name>.openai.azure.com/openai/v1/.
param name string
@description('Region of the account (where the models have quota); may differ from the app\'s.')
param location string
@description('Region of the app\'s VNet: a private endpoint lives beside its subnet, not beside the account.')
param networkLocation string
param tags object
@description('Deployment SKU of both models. Standard is not offered for every model in every region (text-embedding-3-small in swedencentral has only GlobalStandard).')
param deploymentSku string
param modelName string
param modelVersion string
param capacity int
@description('Embedding model name; empty deploys none.')
param embeddingModelName string
param embeddingModelVersion string
param embeddingCapacity int
param appPrincipalId string
@description('Subnet for a private endpoint; empty keeps the account public (Entra auth only).')
param privateEndpointSubnetId string
param privateDnsZoneId string

var openAiUser = '5e0bd9bd-7b93-4f28-af87-19fc36ad61bd'
var isolated = !empty(privateEndpointSubnetId)

resource account 'Microsoft.CognitiveServices/accounts@2024-10-01' = {
  name: name
  location: location
  tags: tags
  kind: 'OpenAI'
  sku: { name: 'S0' }
  properties: {
    customSubDomainName: name
    disableLocalAuth: true
    publicNetworkAccess: isolated ? 'Disabled' : 'Enabled'
    networkAcls: { defaultAction: isolated ? 'Deny' : 'Allow' }
  }
}

resource deployment 'Microsoft.CognitiveServices/accounts/deployments@2024-10-01' = {
  parent: account
  name: modelName
  sku: { name: deploymentSku, capacity: capacity }
  properties: {
    model: { format: 'OpenAI', name: modelName, version: modelVersion }
  }
}

// Deployments of one account are created one after another (parallel creation conflicts).
resource embeddings 'Microsoft.CognitiveServices/accounts/deployments@2024-10-01' = if (!empty(embeddingModelName)) {
  parent: account
  name: empty(embeddingModelName) ? 'none' : embeddingModelName
  sku: { name: deploymentSku, capacity: embeddingCapacity }
  properties: {
    model: { format: 'OpenAI', name: embeddingModelName, version: embeddingModelVersion }
  }
  dependsOn: [deployment]
}

resource userRole 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(account.id, appPrincipalId, openAiUser)
  scope: account
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', openAiUser)
    principalId: appPrincipalId
    principalType: 'ServicePrincipal'
  }
}

module endpoint 'privateendpoint.bicep' = if (isolated) {
  name: 'pe-openai'
  params: {
    name: 'pe-${name}'
    location: networkLocation
    tags: tags
    subnetId: privateEndpointSubnetId
    targetId: account.id
    groupId: 'account'
    privateDnsZoneId: privateDnsZoneId
  }
}

output endpoint string = 'https://${name}.openai.azure.com/openai/v1/'
output deploymentName string = deployment.name
output embeddingDeploymentName string = empty(embeddingModelName) ? '' : embeddingModelName
