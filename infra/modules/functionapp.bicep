// Flex Consumption plan + Functions app on the .NET isolated worker (dotnet-isolated 10.0: the app targets net10.0
// and a framework-dependent publish runs on the platform's .NET 10 runtime; the newest Flex lists), the
// package pulled from a blob container with the user-assigned identity, and identity-based connections.
param planName string
param appName string
param location string
param tags object
param identityId string
param identityClientId string
param storageAccountName string
param blobEndpoint string
param queueEndpoint string
param deploymentContainerName string
param instanceMemoryMB int
param maximumInstanceCount int
param appInsightsConnectionString string
param cosmosEndpoint string
param cosmosDatabaseName string
@description('Azure OpenAI v1 endpoint; empty keeps the offline lexicon miner.')
param openAiEndpoint string
param openAiDeployment string
@description('Embedding deployment for need-phrase merging; empty turns merging off.')
param openAiEmbeddingDeployment string
@description('Subnet (delegated to Microsoft.App/environments) for VNet integration; empty: none.')
param appSubnetId string
@secure()
@description('The dashboard session signing key, as a Key Vault reference (@Microsoft.KeyVault(SecretUri=…)) the app identity can read; empty: nobody can sign in to the dashboard (docs/dashboard.md).')
param dashboardSigningKey string = ''

resource plan 'Microsoft.Web/serverfarms@2024-04-01' = {
  name: planName
  location: location
  tags: tags
  kind: 'functionapp'
  sku: { name: 'FC1', tier: 'FlexConsumption' }
  properties: { reserved: true }
}

resource app 'Microsoft.Web/sites@2024-04-01' = {
  name: appName
  location: location
  kind: 'functionapp,linux'
  // azd deploys the service named "api" in azure.yaml to the app carrying this tag.
  tags: union(tags, { 'azd-service-name': 'api' })
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: { '${identityId}': {} }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    // Key Vault references in app settings (Dashboard__SigningKey) resolve with the user-assigned identity.
    keyVaultReferenceIdentity: identityId
    virtualNetworkSubnetId: empty(appSubnetId) ? null : appSubnetId
    siteConfig: { minTlsVersion: '1.2', http20Enabled: true }
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${blobEndpoint}${deploymentContainerName}'
          authentication: { type: 'UserAssignedIdentity', userAssignedIdentityResourceId: identityId }
        }
      }
      scaleAndConcurrency: { instanceMemoryMB: instanceMemoryMB, maximumInstanceCount: maximumInstanceCount }
      runtime: { name: 'dotnet-isolated', version: '10.0' }
    }
  }

  // Every key here is read by the host (connections named in function.json) or by the app (options
  // sections); tests/Demand.Functions.Tests/Infra/SettingsDriftTests.cs keeps this list, the code and
  // local.settings.sample.json in step.
  resource settings 'config' = {
    name: 'appsettings'
    properties: {
      // Host storage and the LogsStorage connection of our triggers/outputs: identity-based.
      AzureWebJobsStorage__accountName: storageAccountName
      AzureWebJobsStorage__credential: 'managedidentity'
      AzureWebJobsStorage__clientId: identityClientId
      LogsStorage__blobServiceUri: blobEndpoint
      LogsStorage__queueServiceUri: queueEndpoint
      LogsStorage__credential: 'managedidentity'
      LogsStorage__clientId: identityClientId
      APPLICATIONINSIGHTS_CONNECTION_STRING: appInsightsConnectionString
      APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'ClientId=${identityClientId};Authorization=AAD'
      // Read by the .NET runtime of the worker process (environment only): a 64 MiB gen0 budget instead of
      // background GC's 6 MiB cap lets a log part's per-user state build without repeated promotions —
      // ingestion ~1.8 M instead of ~1.4 M events/s per core (docs/benchmarks.md, Ingestion).
      DOTNET_GCgen0size: '0x4000000'
      Cosmos__Endpoint: cosmosEndpoint
      Cosmos__DatabaseName: cosmosDatabaseName
      Cosmos__ManagedIdentityClientId: identityClientId
      Cosmos__CreateIfNotExists: 'false'
      Cosmos__AllowBulkExecution: 'true'
      Cosmos__MaxConcurrency: '32'
      Model__Path: 'models/demand-mlp.onnx'
      Model__TopK: '10'
      Model__StatsMaxAgeMinutes: '1440'
      Model__MaxConcurrentBatches: '4'
      Ingestion__MaxPartBytes: '134217728'
      Ingestion__UploadMinutes: '15'
      Api__RequestsPerMinutePerKey: '1200'
      Api__KeyCacheSeconds: '30'
      Api__FreshKeyReadsPerSecond: '50'
      Dashboard__SigningKey: dashboardSigningKey
      Dashboard__SessionMinutes: '60'
      Nightly__ActiveDays: '30'
      Nightly__LeaseMinutes: '60'
      Training__MaxHistoryDays: '120'
      Training__MaxShoppers: '10000'
      Training__MaxTrainingRows: '200000'
      Training__HorizonDays: '7'
      Mining__Miner: empty(openAiEndpoint) ? 'learned' : 'openai'
      Mining__Encoder: 'float'
      Mining__InputPricePerMillionTokens: '0.15'
      Mining__OutputPricePerMillionTokens: '0.60'
      Mining__ProvisionalSweep: '30'
      Mining__OpenAi__Endpoint: openAiEndpoint
      Mining__OpenAi__Model: openAiDeployment
      Mining__OpenAi__ManagedIdentityClientId: identityClientId
      Mining__OpenAi__EmbeddingModel: openAiEmbeddingDeployment
      Mining__OpenAi__MergeThreshold: '0.85'
      Mining__OpenAi__BatchSize: '20'
      Mining__OpenAi__MaxConcurrency: '4'
      Mining__OpenAi__MaxRetries: '3'
      Mining__OpenAi__BaseDelayMilliseconds: '500'
      Mining__OpenAi__MaxRetryAfterSeconds: '30'
      Mining__OpenAi__TimeoutSeconds: '60'
      Mining__OpenAi__BreakerFailures: '5'
      Mining__OpenAi__BreakerOpenSeconds: '60'
    }
  }
}

output name string = app.name
output url string = 'https://${app.properties.defaultHostName}'
