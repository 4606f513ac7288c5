// Demand on Azure: Flex Consumption Functions app (.NET isolated worker) + Storage/Event Grid + Cosmos DB +
// Azure OpenAI + Log Analytics/Application Insights, all reached with one user-assigned managed identity.
// No keys anywhere: shared-key access, Cosmos local auth, OpenAI local auth and App Insights local auth are off.
// The Event Grid subscription to the app's webhook is NOT here: it needs the running app's blobs_extension key,
// so infra/events.bicep is deployed after the code (scripts/subscribe-events.sh, from deploy.sh and azd's postdeploy).
targetScope = 'resourceGroup'

@minLength(3)
@maxLength(20)
@description('Short environment name; resource names derive from it plus a unique token.')
param environmentName string

@description('Region for every resource but Azure OpenAI. Needs Flex Consumption with dotnet-isolated 10.0 (docs/deploy.md lists regions).')
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

@description('Region of the Azure OpenAI account; empty: location. May differ from location, so the app can sit where Flex Consumption is and the models where quota is.')
param openAiLocation string = ''

@allowed([ 'GlobalStandard', 'DataZoneStandard', 'Standard' ])
@description('Deployment SKU of both models. GlobalStandard is offered for gpt-4o-mini and text-embedding-3-small in nearly every region (Standard is not, e.g. swedencentral) and has the highest default quota.')
param openAiDeploymentSku string = 'GlobalStandard'

@description('Azure OpenAI model name.')
param openAiModelName string = 'gpt-4o-mini'

@description('Azure OpenAI model version.')
param openAiModelVersion string = '2024-07-18'

@minValue(1)
@description('Azure OpenAI deployment capacity (thousands of tokens per minute).')
param openAiCapacity int = 50

@description('Embedding model that merges unseen need phrases into each merchant\'s taxonomy; empty deploys none and turns merging off.')
param openAiEmbeddingModelName string = 'text-embedding-3-small'

@description('Embedding model version.')
param openAiEmbeddingModelVersion string = '1'

@minValue(1)
@description('Embedding deployment capacity (thousands of tokens per minute).')
param openAiEmbeddingCapacity int = 20

@description('Object id of the operator (user, group or service principal) who creates merchant keys in Cosmos, uploads logs and issues upload SAS. Defaults to whoever deploys: Owner/Contributor grant no data access, and without these roles the first merchant key and the first upload fail with 403. Empty grants nothing.')
param operatorPrincipalId string = deployer().objectId

@description('Network isolation: a VNet with the app integrated and private endpoints for Storage (blob, queue, table), Cosmos DB and Azure OpenAI; Cosmos and OpenAI then refuse public traffic. Storage stays publicly reachable (Entra/SAS only) because merchants upload from outside.')
param vnetEnabled bool = false

@description('E-mail that alert notifications go to (dead-lettered uploads); empty still creates the alerts, visible in the portal.')
param alertEmail string = ''

var token = toLower(uniqueString(subscription().id, resourceGroup().id, environmentName))
// azd-env-name lets azd find this environment's resources (azd down, azd monitor).
var tags = { 'demand-env': environmentName, 'azd-env-name': environmentName }
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
  vnet: 'vnet-demand-${environmentName}'
  actionGroup: 'ag-demand-${environmentName}'
}
var deploymentContainer = 'app-package'
var deadLetterContainer = 'eventgrid-deadletter'

module network 'modules/network.bicep' = if (vnetEnabled) {
  name: 'network'
  params: { name: names.vnet, location: location, tags: tags }
}

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
    deadLetterContainerName: deadLetterContainer
    appPrincipalId: identity.outputs.principalId
    operatorPrincipalId: operatorPrincipalId
    privateEndpointSubnetId: vnetEnabled ? network!.outputs.privateEndpointSubnetId : ''
    privateDnsZoneIds: vnetEnabled ? network!.outputs.storageDnsZoneIds : {}
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
    privateEndpointSubnetId: vnetEnabled ? network!.outputs.privateEndpointSubnetId : ''
    privateDnsZoneId: vnetEnabled ? network!.outputs.cosmosDnsZoneId : ''
  }
}

module openAi 'modules/openai.bicep' = if (deployOpenAi) {
  name: 'openai'
  params: {
    name: names.openAi
    location: empty(openAiLocation) ? location : openAiLocation
    networkLocation: location
    tags: tags
    deploymentSku: openAiDeploymentSku
    modelName: openAiModelName
    modelVersion: openAiModelVersion
    capacity: openAiCapacity
    embeddingModelName: openAiEmbeddingModelName
    embeddingModelVersion: openAiEmbeddingModelVersion
    embeddingCapacity: openAiEmbeddingCapacity
    appPrincipalId: identity.outputs.principalId
    privateEndpointSubnetId: vnetEnabled ? network!.outputs.privateEndpointSubnetId : ''
    privateDnsZoneId: vnetEnabled ? network!.outputs.openAiDnsZoneId : ''
  }
}

@secure()
@description('The dashboard session signing key as a Key Vault reference (@Microsoft.KeyVault(SecretUri=…)); empty: dashboard sign-in is off (docs/dashboard.md).')
param dashboardSigningKey string = ''

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
    appSubnetId: vnetEnabled ? network!.outputs.appSubnetId : ''
    dashboardSigningKey: dashboardSigningKey
  }
}

// The system topic, its dead-letter access and the alert; the subscription itself comes after the code (events.bicep).
module events 'modules/eventgrid.bicep' = {
  name: 'eventgrid'
  params: {
    topicName: names.topic
    location: location
    tags: tags
    storageAccountName: storage.outputs.name
    deadLetterContainerName: deadLetterContainer
    actionGroupName: names.actionGroup
    alertEmail: alertEmail
  }
}

output functionAppName string = app.outputs.name
output apiBaseUrl string = '${app.outputs.url}/api'
output storageAccountName string = storage.outputs.name
output blobEndpoint string = storage.outputs.blobEndpoint
output cosmosEndpoint string = cosmos.outputs.endpoint
output openAiEndpoint string = deployOpenAi ? openAi!.outputs.endpoint : ''
output deploymentContainerName string = deploymentContainer
output eventGridTopicName string = events.outputs.topicName
output deadLetterContainerName string = deadLetterContainer
output operatorPrincipalId string = operatorPrincipalId
