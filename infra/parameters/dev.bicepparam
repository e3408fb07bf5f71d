using '../main.bicep'

// Development: locally redundant storage, few instances. Secrets come from the pipeline's secret store
// (environment variables), never from this file.
param environmentName = 'dev'
param storageSku = 'Standard_LRS'
param maximumInstanceCount = 4
param hubApiKeys = readEnvironmentVariable('WMO_HUB_API_KEYS')
param personKeySecret = readEnvironmentVariable('WMO_PERSON_KEY_SECRET')
param alertEmail = 'wmo-dev@example.org'
param extraAppSettings = {
  Detection__StackThreshold: '2'
}
