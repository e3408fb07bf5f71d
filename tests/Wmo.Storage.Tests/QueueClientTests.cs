using System.Net;
using System.Text;
using Wmo.Storage;
using Wmo.Testing;

namespace Wmo.Storage.Tests;


public sealed class QueueClientTests : IClassFixture<AzuriteFixture>, IDisposable
{
    private readonly AzuriteFixture _azurite;
    private readonly StorageClient _client;

    public QueueClientTests(AzuriteFixture azurite)
    {
        _azurite = azurite;
        _client = azurite.CreateClient();
    }

    public void Dispose() => _client.Dispose();

    private async Task<QueueClient> NewQueueAsync(StorageClient? client = null)
    {
        var queue = (client ?? _client).GetQueue(UniqueName.For("q"));
        await queue.CreateIfNotExistsAsync();
        return queue;
    }

    // Azurite (like the service) keeps visibility times in whole seconds: wait for a message to come back by polling,
    // never by sleeping a fixed time just past the timeout.
    private static async Task<QueueMessage> ReceiveWithinAsync(QueueClient queue, TimeSpan timeout)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            if ((await queue.ReceiveAsync(1, TimeSpan.FromSeconds(30))).FirstOrDefault() is { } message)
            {
                return message;
            }

            Assert.True(clock.Elapsed < timeout, $"no message became visible within {timeout.TotalSeconds}s");
            await Task.Delay(100);
        }
    }

    [Fact]
    public async Task Creating_a_queue_twice_reports_that_it_already_existed()
    {
        var queue = _client.GetQueue(UniqueName.For("create"));

        Assert.True(await queue.CreateIfNotExistsAsync());
        Assert.False(await queue.CreateIfNotExistsAsync());
        Assert.True(await queue.DeleteIfExistsAsync());
        Assert.False(await queue.DeleteIfExistsAsync());
    }

    [Fact]
    public async Task A_sent_message_is_received_with_its_body_and_a_dequeue_count_of_one()
    {
        var queue = await NewQueueAsync();
        await queue.SendAsync("<Bericht>één & twee</Bericht>");

        var received = Assert.Single(await queue.ReceiveAsync(32, TimeSpan.FromSeconds(30)));

        Assert.Equal("<Bericht>één & twee</Bericht>", received.Body);
        Assert.Equal(1, received.DequeueCount);
        Assert.NotEmpty(received.PopReceipt);
    }

    [Fact]
    public async Task Messages_travel_base64_encoded_as_Azure_Functions_queue_triggers_expect()
    {
        var queue = await NewQueueAsync();
        await queue.SendAsync("hallo");
        using var plain = _azurite.CreateClient(new StorageClientOptions { MessageEncoding = QueueMessageEncoding.None });

        var wire = Assert.Single(await plain.GetQueue(queue.Name).PeekAsync());

        Assert.Equal(Convert.ToBase64String(Encoding.UTF8.GetBytes("hallo")), wire.Body);
    }

    [Fact]
    public async Task A_received_message_is_invisible_to_others_until_its_visibility_timeout_ends()
    {
        var queue = await NewQueueAsync();
        await queue.SendAsync("once");

        var first = await queue.ReceiveAsync(1, TimeSpan.FromSeconds(3));
        var meanwhile = await queue.ReceiveAsync(1, TimeSpan.FromSeconds(3));
        var again = await ReceiveWithinAsync(queue, TimeSpan.FromSeconds(10));

        Assert.Single(first);
        Assert.Empty(meanwhile);
        Assert.Equal(2, again.DequeueCount);
    }

    [Fact]
    public async Task A_visibility_delay_on_send_hides_the_message_until_it_passes()
    {
        var queue = await NewQueueAsync();
        await queue.SendAsync("later", visibilityDelay: TimeSpan.FromSeconds(3));

        Assert.Empty(await queue.ReceiveAsync(1, TimeSpan.FromSeconds(30)));
        Assert.Equal("later", (await ReceiveWithinAsync(queue, TimeSpan.FromSeconds(10))).Body);
    }

    [Fact]
    public async Task A_time_to_live_sets_the_expiry_of_the_message()
    {
        var queue = await NewQueueAsync();
        await queue.SendAsync("short-lived", timeToLive: TimeSpan.FromMinutes(5));

        var peeked = Assert.Single(await queue.PeekAsync());

        Assert.InRange(peeked.ExpiresOn - peeked.InsertedOn, TimeSpan.FromMinutes(4.9), TimeSpan.FromMinutes(5.1));
    }

    [Fact]
    public async Task A_batch_receive_returns_at_most_the_requested_number()
    {
        var queue = await NewQueueAsync();
        for (var i = 0; i < 5; i++)
        {
            await queue.SendAsync($"m{i}");
        }

        var batch = await queue.ReceiveAsync(3, TimeSpan.FromSeconds(30));

        Assert.Equal(3, batch.Count);
        Assert.Equal(5, await queue.GetApproximateCountAsync());
    }

    [Fact]
    public async Task Deleting_with_the_pop_receipt_removes_the_message_for_good()
    {
        var queue = await NewQueueAsync();
        await queue.SendAsync("done");
        var message = Assert.Single(await queue.ReceiveAsync(1, TimeSpan.FromSeconds(1)));

        await queue.DeleteMessageAsync(message.MessageId, message.PopReceipt);
        await Task.Delay(TimeSpan.FromSeconds(1.2));

        Assert.Empty(await queue.ReceiveAsync(1, TimeSpan.FromSeconds(30)));
        Assert.Equal(0, await queue.GetApproximateCountAsync());
    }

    [Fact]
    public async Task Deleting_with_a_stale_pop_receipt_fails_with_the_service_code()
    {
        var queue = await NewQueueAsync();
        await queue.SendAsync("contested");
        var first = Assert.Single(await queue.ReceiveAsync(1, TimeSpan.FromSeconds(1)));
        var second = await ReceiveWithinAsync(queue, TimeSpan.FromSeconds(10));

        var ex = await Assert.ThrowsAsync<StorageRequestException>(() => queue.DeleteMessageAsync(first.MessageId, first.PopReceipt));

        Assert.True(ex.Status is HttpStatusCode.NotFound or HttpStatusCode.BadRequest, $"status {ex.Status}");
        Assert.Contains(ex.ErrorCode, new[] { "MessageNotFound", "PopReceiptMismatch" });
        await queue.DeleteMessageAsync(second.MessageId, second.PopReceipt);
    }

    [Fact]
    public async Task Updating_visibility_returns_a_new_pop_receipt_and_can_make_the_message_visible_at_once()
    {
        var queue = await NewQueueAsync();
        await queue.SendAsync("retry me");
        var message = Assert.Single(await queue.ReceiveAsync(1, TimeSpan.FromMinutes(5)));

        var receipt = await queue.UpdateVisibilityAsync(message.MessageId, message.PopReceipt, TimeSpan.Zero, newBody: "changed");
        var again = Assert.Single(await queue.ReceiveAsync(1, TimeSpan.FromSeconds(30)));

        Assert.NotEqual(message.PopReceipt, receipt.PopReceipt);
        Assert.Equal("changed", again.Body);
        Assert.Equal(2, again.DequeueCount);
    }

    [Fact]
    public async Task Peeking_neither_hides_the_message_nor_counts_a_dequeue()
    {
        var queue = await NewQueueAsync();
        await queue.SendAsync("look");

        await queue.PeekAsync();
        var received = Assert.Single(await queue.ReceiveAsync(1, TimeSpan.FromSeconds(30)));

        Assert.Equal(1, received.DequeueCount);
    }

    [Fact]
    public async Task A_message_over_64_KiB_encoded_is_refused_locally_with_a_claim_check_hint()
    {
        var queue = await NewQueueAsync();

        var ex = await Assert.ThrowsAsync<ArgumentException>(() => queue.SendAsync(new string('x', 49 * 1024)));

        Assert.Contains("claim check", ex.Message, StringComparison.Ordinal);
        Assert.Equal(0, await queue.GetApproximateCountAsync());
    }

    [Fact]
    public async Task Operations_on_a_missing_queue_fail_with_QueueNotFound()
    {
        var queue = _client.GetQueue(UniqueName.For("missing"));

        var ex = await Assert.ThrowsAsync<StorageRequestException>(() => queue.ReceiveAsync(1, TimeSpan.FromSeconds(1)));

        Assert.True(ex.IsNotFound);
        Assert.Equal("QueueNotFound", ex.ErrorCode);
    }

    [Fact]
    public async Task Clearing_a_queue_removes_every_message()
    {
        var queue = await NewQueueAsync();
        await queue.SendAsync("a");
        await queue.SendAsync("b");

        await queue.ClearAsync();

        Assert.Equal(0, await queue.GetApproximateCountAsync());
    }
}
