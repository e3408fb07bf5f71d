using Azure.Data.Tables;
using Azure.Identity;
using Azure.Storage.Blobs;
using Azure.Storage.Queues;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Wmo.AzureStorage;

namespace Wmo.AzureStorage.Tests;

/// <summary>Each form of <c>AzureWebJobsStorage</c> Azure Functions accepts, read as the Functions host reads it.</summary>
public sealed class StorageSettingsTests
{
    private static IConfiguration Config(params (string Key, string Value)[] values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values.Select(v => new KeyValuePair<string, string?>(v.Key, v.Value))).Build();

    // Environment variables use "__"; configuration sees ":" — as in Azure app settings.
    private static IConfiguration Env(params (string Key, string Value)[] values) =>
        Config([.. values.Select(v => (v.Key.Replace("__", ":", StringComparison.Ordinal), v.Value))]);

    [Fact]
    public void UseDevelopmentStorage_true_reaches_the_local_emulator_on_its_default_ports()
    {
        var settings = StorageSettings.FromConfiguration(Config(("AzureWebJobsStorage", "UseDevelopmentStorage=true")));
        var clients = StorageClients.Create(settings);

        Assert.Equal(StorageCredentialKind.ConnectionString, settings.Credential);
        Assert.Equal("devstoreaccount1", clients.Blobs.AccountName);
        Assert.Equal(new Uri("http://127.0.0.1:10000/devstoreaccount1"), clients.Blobs.Uri);
        Assert.Equal(new Uri("http://127.0.0.1:10001/devstoreaccount1"), clients.Queues.Uri);
        Assert.Equal(10002, new Uri(clients.Tables.GetTableClient("ketens").Uri.ToString()).Port);
    }

    [Fact]
    public void An_account_key_connection_string_names_the_account_and_its_endpoints()
    {
        var key = Convert.ToBase64String(new byte[64]);
        var settings = StorageSettings.FromConfiguration(Config(("AzureWebJobsStorage",
            $"DefaultEndpointsProtocol=https;AccountName=wmoprod01;AccountKey={key};EndpointSuffix=core.windows.net")));
        var clients = StorageClients.Create(settings);

        Assert.Equal(new Uri("https://wmoprod01.blob.core.windows.net/"), clients.Blobs.Uri);
        Assert.Equal(new Uri("https://wmoprod01.queue.core.windows.net/"), clients.Queues.Uri);
        Assert.Equal("wmoprod01", clients.Tables.AccountName);
        Assert.DoesNotContain(key, settings.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void AccountName_alone_means_identity_based_storage_with_the_default_credential_chain()
    {
        var settings = StorageSettings.FromConfiguration(Env(("AzureWebJobsStorage__accountName", "wmoprod01")));

        Assert.Equal(StorageCredentialKind.Default, settings.Credential);
        Assert.Null(settings.ConnectionString);
        Assert.Equal(new Uri("https://wmoprod01.blob.core.windows.net/"), settings.BlobServiceUri);
        Assert.Equal(new Uri("https://wmoprod01.queue.core.windows.net/"), settings.QueueServiceUri);
        Assert.Equal(new Uri("https://wmoprod01.table.core.windows.net/"), settings.TableServiceUri);
        Assert.IsType<DefaultAzureCredential>(settings.CreateTokenCredential());
    }

    [Fact]
    public void Credential_managedidentity_with_a_clientId_uses_that_user_assigned_identity()
    {
        var settings = StorageSettings.FromConfiguration(Env(
            ("AzureWebJobsStorage__accountName", "wmoprod01"),
            ("AzureWebJobsStorage__credential", "managedidentity"),
            ("AzureWebJobsStorage__clientId", "6b1c6b4e-5f0e-4c7a-9b1e-0c7f3a2d4e51")));

        Assert.Equal(StorageCredentialKind.ManagedIdentity, settings.Credential);
        Assert.Equal("6b1c6b4e-5f0e-4c7a-9b1e-0c7f3a2d4e51", settings.ClientId);
        Assert.IsType<ManagedIdentityCredential>(settings.CreateTokenCredential());
        Assert.Contains("managed identity", settings.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Service_uris_reach_private_endpoints_or_sovereign_clouds_with_the_managed_identity()
    {
        var settings = StorageSettings.FromConfiguration(Env(
            ("AzureWebJobsStorage__blobServiceUri", "https://wmo.blob.core.usgovcloudapi.net"),
            ("AzureWebJobsStorage__queueServiceUri", "https://wmo.queue.core.usgovcloudapi.net"),
            ("AzureWebJobsStorage__tableServiceUri", "https://wmo.table.core.usgovcloudapi.net"),
            ("AzureWebJobsStorage__credential", "ManagedIdentity")));
        var clients = StorageClients.Create(settings);

        Assert.Equal(StorageCredentialKind.ManagedIdentity, settings.Credential);
        Assert.Null(settings.ClientId);
        Assert.Equal("wmo.blob.core.usgovcloudapi.net", clients.Blobs.Uri.Host);
        Assert.Equal("wmo.queue.core.usgovcloudapi.net", clients.Queues.Uri.Host);
        Assert.Equal("wmo.table.core.usgovcloudapi.net", clients.GetTable("ketens").Uri.Host);
    }

    [Fact]
    public void A_connection_string_wins_over_identity_settings_as_in_the_Functions_host()
    {
        var settings = StorageSettings.FromConfiguration(Env(
            ("AzureWebJobsStorage", "UseDevelopmentStorage=true"),
            ("AzureWebJobsStorage__accountName", "wmoprod01")));

        Assert.Equal(StorageCredentialKind.ConnectionString, settings.Credential);
        Assert.Null(settings.CreateTokenCredential());
    }

    [Theory]
    [InlineData(new string[0], "AzureWebJobsStorage__accountName")]
    [InlineData(new[] { "AzureWebJobsStorage__accountName", "Wmo_Prod" }, "is not a storage account name")]
    [InlineData(new[] { "AzureWebJobsStorage__accountName", "wmoprod01", "AzureWebJobsStorage__credential", "clientsecret" }, "managedidentity")]
    [InlineData(new[] { "AzureWebJobsStorage__blobServiceUri", "https://wmo.blob.core.windows.net" }, "missing: AzureWebJobsStorage__queueServiceUri, AzureWebJobsStorage__tableServiceUri")]
    [InlineData(new[] { "AzureWebJobsStorage__blobServiceUri", "wmo.blob.core.windows.net" }, "is not an absolute http(s) URI")]
    public void An_incomplete_or_wrong_setting_fails_at_start_up_naming_the_setting(string[] pairs, string expected)
    {
        var values = pairs.Chunk(2).Select(p => (p[0], p[1])).ToArray();

        var error = Assert.Throws<InvalidOperationException>(() => StorageSettings.FromConfiguration(Env(values)));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_clients_are_registered_once_from_configuration_and_shared()
    {
        var services = new ServiceCollection().AddLogging();
        services.AddStorage(Config(("AzureWebJobsStorage", "UseDevelopmentStorage=true")));
        using var provider = services.BuildServiceProvider();

        var clients = provider.GetRequiredService<StorageClients>();
        Assert.Same(clients, provider.GetRequiredService<StorageClients>());
        Assert.Same(provider.GetRequiredService<QueueServiceClient>(), clients.Queues);
        Assert.Same(provider.GetRequiredService<BlobServiceClient>(), clients.Blobs);
        Assert.Same(provider.GetRequiredService<TableServiceClient>(), clients.Tables);
    }

    [Theory]
    [InlineData("Berichten")]
    [InlineData("a")]
    [InlineData("two--hyphens")]
    public void A_bad_queue_name_is_a_local_error_not_a_service_400(string name) =>
        Assert.Throws<ArgumentException>(() => StorageClients.FromConnectionString("UseDevelopmentStorage=true").GetQueue(name));
}
