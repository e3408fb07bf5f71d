// The Wmo integration hub in Azure: storage (queues, tables, blobs), a Function App on the Flex Consumption plan with
// a system-assigned identity (no storage keys in settings), Application Insights, Key Vault for the party API keys and
// the person-key secret, and alert rules. One file, conventional resources; parameters per environment in
// parameters/*.bicepparam. Deploy: see README.md.

@description('Short environment name, part of every resource name (e.g. dev, acc, prod).')
@maxLength(6)
param environmentName string

@description('Azure region.')
param location string = resourceGroup().location

@description('Storage redundancy: Standard_LRS for test, Standard_ZRS for production.')
@allowed(['Standard_LRS', 'Standard_ZRS', 'Standard_GZRS'])
param storageSku string = 'Standard_ZRS'

@description('Upper bound of Function App instances (Flex Consumption scales out to this).')
@minValue(1)
@maxValue(1000)
param maximumInstanceCount int = 40

@description('Party API keys, "party:Role:key;…" (stored in Key Vault, referenced by the app).')
@secure()
param hubApiKeys string

@description('HMAC key of person ids; the same for every instance and every deployment of one environment.')
@secure()
param personKeySecret string

@description('Who gets the operational alerts (poison messages, scan not run, critical stapelfactuur risks).')
param alertEmail string

@description('Eigen-bijdrage and detection settings passed to the app as they are (Cak__*, Detection__*, Owners__*).')
param extraAppSettings object = {}

var suffix = uniqueString(resourceGroup().id, environmentName)
var storageName = toLower('stwmo${environmentName}${take(suffix, 8)}')
var appName = 'func-wmo-${environmentName}-${take(suffix, 6)}'
var vaultName = 'kv-wmo-${environmentName}-${take(suffix, 6)}'
var deploymentContainer = 'app-package'

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' = {
  name: storageName
  location: location
  sku: { name: storageSku }
  kind: 'StorageV2'
  properties: {
    supportsHttpsTrafficOnly: true
    minimumTlsVersion: 'TLS1_2'
    allowBlobPublicAccess: false
    allowSharedKeyAccess: false // the app reaches storage with its managed identity only
    defaultToOAuthAuthentication: true
  }
}

resource blobs 'Microsoft.Storage/storageAccounts/blobServices@2023-05-01' = {
  parent: storage
  name: 'default'
}

resource packageContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = {
  parent: blobs
  name: deploymentContainer
  properties: { publicAccess: 'None' }
}

resource workspace 'Microsoft.OperationalInsights/workspaces@2023-09-01' = {
  name: 'log-wmo-${environmentName}'
  location: location
  properties: {
    sku: { name: 'PerGB2018' }
    retentionInDays: 90
  }
}

resource insights 'Microsoft.Insights/components@2020-02-02' = {
  name: 'appi-wmo-${environmentName}'
  location: location
  kind: 'web'
  properties: {
    Application_Type: 'web'
    WorkspaceResourceId: workspace.id
    DisableLocalAuth: false
  }
}

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  name: vaultName
  location: location
  properties: {
    tenantId: subscription().tenantId
    sku: { family: 'A', name: 'standard' }
    enableRbacAuthorization: true
    enableSoftDelete: true
    enablePurgeProtection: true
    publicNetworkAccess: 'Enabled'
  }
}

resource apiKeysSecret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = {
  parent: vault
  name: 'hub-api-keys'
  properties: { value: hubApiKeys }
}

resource personKeySecretResource 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = {
  parent: vault
  name: 'hub-person-key-secret'
  properties: { value: personKeySecret }
}

resource plan 'Microsoft.Web/serverfarms@2024-04-01' = {
  name: 'plan-wmo-${environmentName}'
  location: location
  kind: 'functionapp'
  sku: { tier: 'FlexConsumption', name: 'FC1' }
  properties: { reserved: true }
}

// Environment-specific settings, passed through as they are (a for-expression is allowed in a variable, not inline).
var extraSettings = [for setting in items(extraAppSettings): { name: setting.key, value: string(setting.value) }]

resource app 'Microsoft.Web/sites@2024-04-01' = {
  name: appName
  location: location
  kind: 'functionapp,linux'
  identity: { type: 'SystemAssigned' }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    siteConfig: {
      minTlsVersion: '1.2'
      ftpsState: 'Disabled'
      appSettings: concat([
        // Identity-based AzureWebJobsStorage: the host and the app (StorageSettings) reach storage with the
        // system-assigned identity; no connection string, no key.
        { name: 'AzureWebJobsStorage__accountName', value: storage.name }
        { name: 'AzureWebJobsStorage__credential', value: 'managedidentity' }
        { name: 'APPLICATIONINSIGHTS_CONNECTION_STRING', value: insights.properties.ConnectionString }
        { name: 'Hub__ApiKeys', value: '@Microsoft.KeyVault(SecretUri=${apiKeysSecret.properties.secretUri})' }
        { name: 'Hub__PersonKeySecret', value: '@Microsoft.KeyVault(SecretUri=${personKeySecretResource.properties.secretUri})' }
        // Linux plans run timers in UTC: 05:00 / 06:00 UTC is 06:00 / 07:00 Dutch winter time.
        { name: 'ScanSchedule', value: '0 0 5 * * *' }
        { name: 'DigestSchedule', value: '0 0 6 * * *' }
        { name: 'RetentionSchedule', value: '0 30 1 * * *' }
        { name: 'CakRelaySchedule', value: '*/30 * * * * *' }
        { name: 'NotifySchedule', value: '*/30 * * * * *' }
        { name: 'FileDropSchedule', value: '0 */5 * * * *' }
        { name: 'BacklogSchedule', value: '0 */10 * * * *' }
      ], extraSettings)
    }
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${storage.properties.primaryEndpoints.blob}${deploymentContainer}'
          authentication: { type: 'SystemAssignedIdentity' }
        }
      }
      scaleAndConcurrency: {
        maximumInstanceCount: maximumInstanceCount
        instanceMemoryMB: 2048
      }
      runtime: { name: 'dotnet-isolated', version: '10.0' }
    }
  }
}

// The app's identity: data roles on the storage account (queues, tables, blobs) and reading the vault's secrets.
var roles = {
  blobDataOwner: 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b'
  queueDataContributor: '974c5e8b-45b9-4653-ba55-5f855dd0fb88'
  tableDataContributor: '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3'
  keyVaultSecretsUser: '4633458b-17de-408a-b874-0445c86b69e6'
}

resource storageRoles 'Microsoft.Authorization/roleAssignments@2022-04-01' = [for role in [roles.blobDataOwner, roles.queueDataContributor, roles.tableDataContributor]: {
  name: guid(storage.id, app.id, role)
  scope: storage
  properties: {
    principalId: app.identity.principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', role)
  }
}]

resource vaultRole 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(vault.id, app.id, roles.keyVaultSecretsUser)
  scope: vault
  properties: {
    principalId: app.identity.principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.keyVaultSecretsUser)
  }
}

// Alerts: poisoned messages, a detection scan that did not run, critical stapelfactuur risks (docs/operations.md).

resource actionGroup 'Microsoft.Insights/actionGroups@2023-01-01' = {
  name: 'ag-wmo-${environmentName}'
  location: 'global'
  properties: {
    groupShortName: 'wmo${take(environmentName, 9)}'
    enabled: true
    emailReceivers: [{ name: 'operations', emailAddress: alertEmail, useCommonAlertSchema: true }]
  }
}

var queryAlerts = [
  {
    name: 'wmo-${environmentName}-poison'
    severity: 1
    description: 'A message failed every routing attempt and is in the poison list (HUB-POISON): replay it after fixing the cause.'
    frequency: 'PT15M'
    window: 'PT15M'
    query: 'requests | where operation_Name == "PoisonBericht" | summarize poisoned = count()'
    column: 'poisoned'
    aggregation: 'Total'
    operator: 'GreaterThan'
    threshold: 0
  }
  {
    name: 'wmo-${environmentName}-scan-not-run'
    severity: 1
    description: 'The daily detection scan has not completed in 26 hours: re-run the missed day (docs/operations.md).'
    frequency: 'PT1H'
    window: 'P1D'
    query: 'requests | where operation_Name == "DetectionScan" and success == true | where timestamp > ago(26h) | summarize runs = count()'
    column: 'runs'
    aggregation: 'Total'
    operator: 'LessThan'
    threshold: 1
  }
  {
    name: 'wmo-${environmentName}-critical-stapelfactuur'
    severity: 2
    description: 'The detection scan saw critical stapelfactuur risks (R1): the gemeenten concerned must act, the CAK liaison follows up.'
    frequency: 'PT1H'
    window: 'P1D'
    // The scan logs its figures; through the Functions host a logged property arrives as prop__Name.
    query: 'traces | where message startswith "Detection scan for" | extend critical = toint(coalesce(customDimensions["prop__CriticalStacks"], customDimensions["CriticalStacks"])) | summarize critical = max(critical)'
    column: 'critical'
    aggregation: 'Maximum'
    operator: 'GreaterThan'
    threshold: 0
  }
]

resource alerts 'Microsoft.Insights/scheduledQueryRules@2023-03-15-preview' = [for alert in queryAlerts: {
  name: alert.name
  location: location
  properties: {
    description: alert.description
    severity: alert.severity
    enabled: true
    scopes: [insights.id]
    evaluationFrequency: alert.frequency
    windowSize: alert.window
    criteria: {
      allOf: [
        {
          query: alert.query
          metricMeasureColumn: alert.column
          timeAggregation: alert.aggregation
          operator: alert.operator
          threshold: alert.threshold
          failingPeriods: { numberOfEvaluationPeriods: 1, minFailingPeriodsToAlert: 1 }
        }
      ]
    }
    actions: { actionGroups: [actionGroup.id] }
  }
}]

output functionAppName string = app.name
output storageAccountName string = storage.name
output keyVaultName string = vault.name
