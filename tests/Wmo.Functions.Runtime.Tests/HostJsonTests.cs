using Microsoft.Extensions.Configuration;
using Wmo.AzureStorage;

namespace Wmo.Functions.Runtime.Tests;

public class HostJsonTests
{
    [Fact]
    public void An_empty_host_json_gets_the_Azure_defaults()
    {
        var hostJson = HostJson.Parse("""{ "version": "2.0" }""");

        Assert.Equal(16, hostJson.Queues.BatchSize);
        Assert.Equal(Environment.ProcessorCount * 8, hostJson.Queues.NewBatchThreshold);
        Assert.Equal(5, hostJson.Queues.MaxDequeueCount);
        Assert.Equal(TimeSpan.Zero, hostJson.Queues.VisibilityTimeout);
        Assert.Equal(TimeSpan.FromMinutes(1), hostJson.Queues.MaxPollingInterval);
        Assert.Equal(Azure.Storage.Queues.QueueMessageEncoding.Base64, hostJson.Queues.MessageEncoding);
        Assert.Equal(TimeSpan.FromSeconds(60), hostJson.Singleton.ListenerLockPeriod);
        Assert.Null(hostJson.FunctionTimeout);
    }

    [Fact]
    public void Queue_and_singleton_settings_are_read_from_their_Azure_locations()
    {
        var hostJson = HostJson.Parse("""
            {
              "version": "2.0",
              "functionTimeout": "00:05:00",
              "extensions": { "queues": {
                "batchSize": 8, "newBatchThreshold": 4, "maxDequeueCount": 3,
                "visibilityTimeout": "00:00:30", "maxPollingInterval": "00:00:02", "messageEncoding": "none" } },
              "singleton": { "listenerLockPeriod": "00:00:15", "listenerLockRecoveryPollingInterval": "00:00:05" }
            }
            """);

        Assert.Equal(8, hostJson.Queues.BatchSize);
        Assert.Equal(4, hostJson.Queues.NewBatchThreshold);
        Assert.Equal(3, hostJson.Queues.MaxDequeueCount);
        Assert.Equal(TimeSpan.FromSeconds(30), hostJson.Queues.VisibilityTimeout);
        Assert.Equal(TimeSpan.FromSeconds(2), hostJson.Queues.MaxPollingInterval);
        Assert.Equal(Azure.Storage.Queues.QueueMessageEncoding.None, hostJson.Queues.MessageEncoding);
        Assert.Equal(TimeSpan.FromSeconds(15), hostJson.Singleton.ListenerLockPeriod);
        Assert.Equal(TimeSpan.FromSeconds(5), hostJson.Singleton.ListenerLockRecoveryPollingInterval);
        Assert.Equal(TimeSpan.FromMinutes(5), hostJson.FunctionTimeout);
    }

    [Fact]
    public void A_polling_interval_in_milliseconds_is_accepted_as_older_host_json_files_write_it()
    {
        var hostJson = HostJson.Parse("""{ "version": "2.0", "extensions": { "queues": { "maxPollingInterval": 2000 } } }""");

        Assert.Equal(TimeSpan.FromSeconds(2), hostJson.Queues.MaxPollingInterval);
    }

    [Fact]
    public void The_repository_host_json_is_valid_and_uses_the_documented_queue_settings()
    {
        var hostJson = HostJson.Load(Path.Combine(Wmo.Testing.RepoPaths.Root, "host.json"));

        Assert.Equal(16, hostJson.Queues.BatchSize);
        Assert.Equal(5, hostJson.Queues.MaxDequeueCount);
        Assert.Equal(TimeSpan.FromMinutes(1), hostJson.Queues.MaxPollingInterval);
        Assert.Equal(Azure.Storage.Queues.QueueMessageEncoding.Base64, hostJson.Queues.MessageEncoding);
    }

    [Theory]
    [InlineData("""{ "version": "2.0", "extensions": { "queues": { "batchSize": 64 } } }""", "batchSize must be 1-32")]
    [InlineData("""{ "version": "2.0", "extensions": { "queues": { "maxDequeueCount": 0 } } }""", "maxDequeueCount")]
    [InlineData("""{ "version": "2.0", "extensions": { "queues": { "visibilityTimeout": "soon" } } }""", "visibilityTimeout 'soon'")]
    [InlineData("""{ "version": "2.0", "extensions": { "queues": { "messageEncoding": "utf16" } } }""", "messageEncoding 'utf16'")]
    [InlineData("""{ "version": "2.0", "singleton": { "listenerLockPeriod": "00:05:00" } }""", "listenerLockPeriod")]
    [InlineData("""{ "version": "1.0" }""", "version '1.0'")]
    [InlineData("""{ "version": """, "not valid JSON")]
    public void An_invalid_host_json_is_refused_with_a_message_naming_the_setting(string json, string expected)
    {
        var ex = Assert.Throws<HostJsonException>(() => HostJson.Parse(json));

        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
    }
}

public class HostJsonOverrideTests
{
    [Fact]
    public void App_settings_under_AzureFunctionsJobHost_override_host_json_values_as_in_Azure()
    {
        var overrides = new Microsoft.Extensions.Configuration.ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["AzureFunctionsJobHost:extensions:queues:maxPollingInterval"] = "00:00:01",
                ["AzureFunctionsJobHost:extensions:queues:maxDequeueCount"] = "2",
            })
            .Build();

        var hostJson = HostJson.Parse("""{ "version": "2.0", "extensions": { "queues": { "maxDequeueCount": 5, "batchSize": 4 } } }""", overrides: overrides);

        Assert.Equal(TimeSpan.FromSeconds(1), hostJson.Queues.MaxPollingInterval);
        Assert.Equal(2, hostJson.Queues.MaxDequeueCount);
        Assert.Equal(4, hostJson.Queues.BatchSize);
    }
}
