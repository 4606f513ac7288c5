// One private endpoint with its DNS zone group, so the app resolves the service's public name to the private address.
param name string
param location string
param tags object
param subnetId string
param targetId string
@description('Sub-resource: blob, queue, table, Sql (Cosmos) or account (OpenAI).')
param groupId string
param privateDnsZoneId string

resource endpoint 'Microsoft.Network/privateEndpoints@2024-05-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    subnet: { id: subnetId }
    privateLinkServiceConnections: [
      {
        name: name
        properties: { privateLinkServiceId: targetId, groupIds: [ groupId ] }
      }
    ]
  }

  resource zoneGroup 'privateDnsZoneGroups' = {
    name: 'default'
    properties: {
      privateDnsZoneConfigs: [ { name: groupId, properties: { privateDnsZoneId: privateDnsZoneId } } ]
    }
  }
}
