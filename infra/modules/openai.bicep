// Azure OpenAI for review need mining; local (key) auth disabled, the app identity is a
// "Cognitive Services OpenAI User" and calls the v1 endpoint https://<name>.openai.azure.com/openai/v1/.
param name string
param location string
param tags object
param modelName string
param modelVersion string
param capacity int
@description('Embedding model name; empty deploys none.')
param embeddingModelName string
param appPrincipalId string

@description('Deployment SKU: GlobalStandard gives the highest default quota.')
param deploymentSku string = 'GlobalStandard'

var openAiUser = '5e0bd9bd-7b93-4f28-af87-19fc36ad61bd'

resource account 'Microsoft.CognitiveServices/accounts@2024-10-01' = {
  name: name
  location: location
  tags: tags
  kind: 'OpenAI'
  sku: { name: 'S0' }
  properties: {
    customSubDomainName: name
    disableLocalAuth: true
    publicNetworkAccess: 'Enabled'
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
  sku: { name: 'Standard', capacity: 20 }
  properties: {
    model: { format: 'OpenAI', name: embeddingModelName, version: '1' }
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

output endpoint string = 'https://${name}.openai.azure.com/openai/v1/'
output deploymentName string = deployment.name
output embeddingDeploymentName string = empty(embeddingModelName) ? '' : embeddingModelName
