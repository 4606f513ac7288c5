// Demand on Azure: Flex Consumption Functions app (custom handler) + Storage/Event Grid + Cosmos DB +
// Azure OpenAI + Log Analytics/Application Insights, all reached with one user-assigned managed identity.
// No keys anywhere: shared-key access, Cosmos local auth, OpenAI local auth and App Insights local auth are off.
targetScope = 'resourceGroup'

@minLength(3)
@maxLength(20)
@description('Short environment name; resource names derive from it plus a unique token.')
param environmentName string

@description('Region for every resource.')
param location string = resourceGroup().location

@allowed([ 512, 2048, 4096 ])
@description('Flex Consumption instance memory (MB). Ingesting 100 MB log parts wants 2048 or more.')
param instanceMemoryMB int = 2048

@minValue(1)
@maxValue(1000)
@description('Upper bound on Flex Consumption instances (cost and Cosmos throughput guard).')
param maximumInstanceCount int = 40

@description('Cosmos DB: serverless (pay per request) when true, otherwise provisioned autoscale throughput on the database.')
param cosmosServerless bool = true

@minValue(1000)
@description('Cosmos DB autoscale max RU/s on the database (only when cosmosServerless is false).')
param cosmosAutoscaleMaxThroughput int = 4000

@description('Deploy Azure OpenAI and use it for review mining; false keeps the offline lexicon miner.')
param deployOpenAi bool = true

@description('Azure OpenAI model name.')
param openAiModelName string = 'gpt-4o-mini'

@description('Azure OpenAI model version.')
param openAiModelVersion string = '2024-07-18'

@minValue(1)
@description('Azure OpenAI deployment capacity (thousands of tokens per minute).')
param openAiCapacity int = 50

@description('Embedding model that merges unseen need phrases into each merchant\'s taxonomy; empty deploys none and turns merging off.')
param openAiEmbeddingModelName string = 'text-embedding-3-small'

@description('Create the Event Grid subscription (BlobCreated under logs/) to the IngestLog blobs-extension webhook. Needs the app code deployed first: deploy.sh runs a second pass with true.')
param deployEventSubscription bool = false

@description('Object id of a user or group that may upload logs and read the data plane (optional).')
param operatorPrincipalId string = ''

var token = toLower(uniqueString(subscription().id, resourceGroup().id, environmentName))
var tags = { 'demand-env': environmentName }
var names = {
  identity: 'id-demand-${environmentName}'
  storage: take('stdemand${token}', 24)
  plan: 'plan-demand-${environmentName}'
  app: 'func-demand-${environmentName}-${take(token, 6)}'
  cosmos: 'cosmos-demand-${token}'
  openAi: 'oai-demand-${token}'
  logs: 'log-demand-${environmentName}'
  insights: 'appi-demand-${environmentName}'
  topic: 'evgt-demand-${environmentName}'
}
var deploymentContainer = 'app-package'

module identity 'modules/identity.bicep' = {
  name: 'identity'
  params: { name: names.identity, location: location, tags: tags }
}

module monitoring 'modules/monitoring.bicep' = {
  name: 'monitoring'
  params: {
    logAnalyticsName: names.logs
    appInsightsName: names.insights
    location: location
    tags: tags
    publisherPrincipalId: identity.outputs.principalId
  }
}

module storage 'modules/storage.bicep' = {
  name: 'storage'
  params: {
    name: names.storage
    location: location
    tags: tags
    deploymentContainerName: deploymentContainer
    appPrincipalId: identity.outputs.principalId
    operatorPrincipalId: operatorPrincipalId
  }
}

module cosmos 'modules/cosmos.bicep' = {
  name: 'cosmos'
  params: {
    name: names.cosmos
    location: location
    tags: tags
    serverless: cosmosServerless
    autoscaleMaxThroughput: cosmosAutoscaleMaxThroughput
    appPrincipalId: identity.outputs.principalId
    operatorPrincipalId: operatorPrincipalId
  }
}

module openAi 'modules/openai.bicep' = if (deployOpenAi) {
  name: 'openai'
  params: {
    name: names.openAi
    location: location
    tags: tags
    modelName: openAiModelName
    modelVersion: openAiModelVersion
    capacity: openAiCapacity
    embeddingModelName: openAiEmbeddingModelName
    appPrincipalId: identity.outputs.principalId
  }
}

module app 'modules/functionapp.bicep' = {
  name: 'functionapp'
  params: {
    planName: names.plan
    appName: names.app
    location: location
    tags: tags
    identityId: identity.outputs.id
    identityClientId: identity.outputs.clientId
    storageAccountName: storage.outputs.name
    blobEndpoint: storage.outputs.blobEndpoint
    queueEndpoint: storage.outputs.queueEndpoint
    deploymentContainerName: deploymentContainer
    instanceMemoryMB: instanceMemoryMB
    maximumInstanceCount: maximumInstanceCount
    appInsightsConnectionString: monitoring.outputs.connectionString
    cosmosEndpoint: cosmos.outputs.endpoint
    cosmosDatabaseName: cosmos.outputs.databaseName
    openAiEndpoint: deployOpenAi ? openAi!.outputs.endpoint : ''
    openAiDeployment: deployOpenAi ? openAi!.outputs.deploymentName : ''
    openAiEmbeddingDeployment: deployOpenAi ? openAi!.outputs.embeddingDeploymentName : ''
  }
}

module events 'modules/eventgrid.bicep' = {
  name: 'eventgrid'
  params: {
    topicName: names.topic
    location: location
    tags: tags
    storageAccountId: storage.outputs.id
    functionAppName: app.outputs.name
    createSubscription: deployEventSubscription
  }
}

output functionAppName string = app.outputs.name
output apiBaseUrl string = '${app.outputs.url}/api'
output storageAccountName string = storage.outputs.name
output blobEndpoint string = storage.outputs.blobEndpoint
output cosmosEndpoint string = cosmos.outputs.endpoint
output openAiEndpoint string = deployOpenAi ? openAi!.outputs.endpoint : ''
output deploymentContainerName string = deploymentContainer
