using Azure.Storage.Queues;
using Azure.Storage.Queues.Models;
using Wmo.AzureStorage;
using Wmo.Testing;

namespace Wmo.Functions.Runtime.Tests;

public sealed class QueueTriggerTests : IClassFixture<AzuriteFixture>
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);
    private readonly AzuriteFixture _azurite;
    private readonly StorageClients _client;
    private readonly Recorder _recorder = new();
    private readonly string _queueName = UniqueName.For("work");

    public QueueTriggerTests(AzuriteFixture azurite)
    {
        _azurite = azurite;
        _client = azurite.CreateClient();
    }

    private Dictionary<string, string?> Settings(string? lease = null, string? grace = null) => new()
    {
        ["WorkQueue"] = _queueName,
        ["Runtime:MessageLease"] = lease,
        ["Runtime:ShutdownGrace"] = grace,
    };

    private async Task<QueueClient> QueueWithAsync(params string[] bodies)
    {
        var queue = _client.GetQueue(_queueName);
        await queue.CreateIfNotExistsAsync();
        foreach (var body in bodies)
        {
            await queue.SendAsync(body);
        }

        return queue;
    }

    [Fact]
    public async Task A_message_is_handled_once_with_its_body_and_then_deleted()
    {
        var queue = await QueueWithAsync("<Bericht/>");
        await using var host = await TestRuntimeHost.StartAsync(_azurite, TestRuntimeHost.HostJson(), _recorder,
            f => f.AddFunction<RecordingHandler>(), Settings());

        await Eventually.TrueAsync(() => _recorder.Messages.Count == 1, Wait, "the handler ran");
        await Eventually.TrueAsync(async () => await queue.GetApproximateCountAsync() == 0, Wait, "the message is deleted");
        await Task.Delay(500);

        var (message, _) = Assert.Single(_recorder.Messages);
        Assert.Equal("<Bericht/>", message.Body.ToString());
        Assert.Equal(1, message.DequeueCount);
        Assert.False(string.IsNullOrEmpty(message.MessageId));
        Assert.NotNull(message.InsertedOn);
    }

    [Fact]
    public async Task A_handler_that_always_throws_is_retried_and_poisoned_after_exactly_maxDequeueCount_attempts()
    {
        var queue = await QueueWithAsync("kapot");
        var poison = _client.GetQueue(_queueName + "-poison");
        await using var host = await TestRuntimeHost.StartAsync(_azurite, TestRuntimeHost.HostJson(maxDequeueCount: 5), _recorder,
            f => f.AddFunction<ThrowingHandler>(), Settings());

        await Eventually.TrueAsync(async () => await poison.CreateIfNotExistsAsync() is var _ && await poison.GetApproximateCountAsync() == 1, Wait, "the message is poisoned");
        await Task.Delay(1000);

        Assert.Equal([1L, 2L, 3L, 4L, 5L], _recorder.Messages.Select(m => m.Message.DequeueCount));
        Assert.Equal(0, await queue.GetApproximateCountAsync());
        Assert.Equal("kapot", Assert.Single(await poison.PeekAsync()).MessageText);
    }

    [Fact]
    public async Task A_failed_message_becomes_visible_again_only_after_visibilityTimeout()
    {
        await QueueWithAsync("retry later");
        await using var host = await TestRuntimeHost.StartAsync(_azurite, TestRuntimeHost.HostJson(visibilityTimeout: "00:00:03"), _recorder,
            f => f.AddFunction<ThrowingHandler>(), Settings());

        await Eventually.TrueAsync(() => _recorder.Messages.Count >= 2, Wait, "the message was retried");

        var attempts = _recorder.Messages.ToArray();
        // Visibility is kept in whole seconds, so "3 s" can be as little as just over 2 s.
        Assert.True(attempts[1].At - attempts[0].At >= TimeSpan.FromSeconds(2), $"retried after {(attempts[1].At - attempts[0].At).TotalSeconds:F2}s");
    }

    [Fact]
    public async Task In_flight_work_is_bounded_by_batchSize_and_a_new_batch_waits_for_newBatchThreshold()
    {
        await QueueWithAsync([.. Enumerable.Range(0, 20).Select(i => $"m{i}")]);
        await using var host = await TestRuntimeHost.StartAsync(_azurite, TestRuntimeHost.HostJson(batchSize: 4, newBatchThreshold: 2), _recorder,
            f => f.AddFunction<GatedHandler>(), Settings());

        await Eventually.TrueAsync(() => _recorder.Concurrent == 4, Wait, "the first batch runs");
        await Task.Delay(1000);
        var whileAboveThreshold = _recorder.Concurrent;
        _recorder.Gate.Release(2);
        await Eventually.TrueAsync(() => _recorder.Concurrent == 6, Wait, "a second batch joined the two still running");
        await Task.Delay(1000);

        Assert.Equal(4, whileAboveThreshold);
        Assert.Equal(6, _recorder.MaxConcurrent);
        _recorder.Gate.Release(100);
    }

    [Fact]
    public async Task A_long_running_handler_keeps_its_message_hidden_by_renewing_the_lease()
    {
        var queue = await QueueWithAsync("slow");
        _recorder.HandlerDelay = TimeSpan.FromSeconds(5);
        await using var host = await TestRuntimeHost.StartAsync(_azurite, TestRuntimeHost.HostJson(), _recorder,
            f => f.AddFunction<RecordingHandler>(), Settings(lease: "00:00:02"));

        await Eventually.TrueAsync(() => _recorder.Messages.Count == 1, Wait, "the handler started");
        var stolen = new List<PeekedMessage>();
        for (var i = 0; i < 8; i++)
        {
            await Task.Delay(500);
            stolen.AddRange(await queue.PeekAsync(32));
        }

        await Eventually.TrueAsync(async () => await queue.GetApproximateCountAsync() == 0, Wait, "the message is deleted");
        Assert.Empty(stolen);
        Assert.Single(_recorder.Messages);
    }

    [Fact]
    public async Task A_handler_over_functionTimeout_is_cancelled_and_counted_as_a_failed_attempt()
    {
        await QueueWithAsync("too slow");
        _recorder.HandlerDelay = TimeSpan.FromMinutes(5);
        await using var host = await TestRuntimeHost.StartAsync(_azurite, TestRuntimeHost.HostJson(functionTimeout: "00:00:01"), _recorder,
            f => f.AddFunction<RecordingHandler>(), Settings());

        await Eventually.TrueAsync(() => _recorder.Messages.Count >= 2, Wait, "the timed-out message was retried");

        Assert.Equal(2, _recorder.Messages.ToArray()[1].Message.DequeueCount);
    }

    [Fact]
    public async Task On_shutdown_a_handler_still_running_after_the_grace_period_is_cancelled_and_its_message_released_at_once()
    {
        var queue = await QueueWithAsync("in flight");
        var host = await TestRuntimeHost.StartAsync(_azurite, TestRuntimeHost.HostJson(), _recorder,
            f => f.AddFunction<GatedHandler>(), Settings(grace: "00:00:01"));
        await _recorder.Started.Task.WaitAsync(Wait);

        await host.DisposeAsync();
        var again = await queue.ReceiveAsync(1, TimeSpan.FromSeconds(30));

        var message = Assert.Single(again);
        Assert.Equal("in flight", message.MessageText);
        Assert.Equal(2, message.DequeueCount);
    }

    [Fact]
    public async Task On_shutdown_a_handler_that_finishes_within_the_grace_period_completes_and_its_message_is_deleted()
    {
        var queue = await QueueWithAsync("almost done");
        _recorder.HandlerDelay = TimeSpan.FromSeconds(1);
        var host = await TestRuntimeHost.StartAsync(_azurite, TestRuntimeHost.HostJson(), _recorder,
            f => f.AddFunction<RecordingHandler>(), Settings(grace: "00:00:10"));
        await Eventually.TrueAsync(() => _recorder.Messages.Count == 1, Wait, "the handler started");

        await host.DisposeAsync();

        Assert.Equal(0, await queue.GetApproximateCountAsync());
    }

    [Fact]
    public async Task A_message_whose_last_attempt_never_finished_goes_to_poison_without_another_run()
    {
        var queue = await QueueWithAsync("crashed five times");
        for (var i = 0; i < 5; i++)
        {
            var m = Assert.Single(await queue.ReceiveAsync(1, TimeSpan.FromSeconds(30)));
            await queue.UpdateVisibilityAsync(m.MessageId, m.PopReceipt, TimeSpan.Zero);
        }

        var poison = _client.GetQueue(_queueName + "-poison");
        await using var host = await TestRuntimeHost.StartAsync(_azurite, TestRuntimeHost.HostJson(maxDequeueCount: 5), _recorder,
            f => f.AddFunction<RecordingHandler>(), Settings());

        await Eventually.TrueAsync(async () => await poison.CreateIfNotExistsAsync() is var _ && await poison.GetApproximateCountAsync() == 1, Wait, "the message is poisoned");

        Assert.Empty(_recorder.Messages);
    }

    [Fact]
    public async Task A_host_whose_queue_setting_is_missing_refuses_to_start_and_names_the_setting()
    {
        var ex = await Assert.ThrowsAsync<InvalidOperationException>(() => TestRuntimeHost.StartAsync(_azurite, TestRuntimeHost.HostJson(), _recorder,
            f => f.AddFunction<UnboundHandler>()));

        Assert.Contains("MissingQueueSetting", ex.Message, StringComparison.Ordinal);
    }
}
