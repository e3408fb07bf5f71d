using '../main.bicep'

// Production: zone-redundant storage, room to scale out for month-end declaration peaks (docs/scaling.md).
param environmentName = 'prod'
param storageSku = 'Standard_ZRS'
param maximumInstanceCount = 40
param hubApiKeys = readEnvironmentVariable('WMO_HUB_API_KEYS')
param personKeySecret = readEnvironmentVariable('WMO_PERSON_KEY_SECRET')
param alertEmail = readEnvironmentVariable('WMO_ALERT_EMAIL')
param extraAppSettings = {
  Detection__StackThreshold: '2'
  Cak__Transport: 'http'
  Cak__Endpoint: readEnvironmentVariable('WMO_CAK_ENDPOINT')
}
