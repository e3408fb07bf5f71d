using System.Text;
using Azure;
using Azure.Data.Tables;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Queues;
using Wmo.AzureStorage;
using Wmo.Testing;

namespace Wmo.AzureStorage.Tests;

/// <summary>The storage idioms the stores are built on, against a real Azurite.</summary>
public sealed class IdiomTests : IClassFixture<AzuriteFixture>
{
    private readonly AzuriteFixture _azurite;
    private readonly StorageClients _storage;

    public IdiomTests(AzuriteFixture azurite)
    {
        _azurite = azurite;
        _storage = azurite.CreateClient();
    }

    private async Task<TableClient> TableAsync()
    {
        var table = _storage.GetTable(UniqueName.For("t"));
        await table.CreateIfNotExistsAsync();
        return table;
    }

    [Fact]
    public async Task Of_twenty_concurrent_inserts_of_one_key_exactly_one_wins_and_the_others_see_a_duplicate()
    {
        var table = await TableAsync();

        var results = await Task.WhenAll(Enumerable.Range(0, 20).Select(i =>
            table.InsertIfAbsentAsync(new TableEntity("p", "same") { ["Writer"] = i })));

        var winner = Assert.Single(results, r => r.Inserted);
        Assert.NotNull(winner.ETag);
        var stored = await table.GetAsync("p", "same");
        Assert.Equal(winner.ETag, stored!.ETag);
    }

    [Fact]
    public async Task An_update_with_a_stale_ETag_fails_412_and_leaves_the_newer_write()
    {
        var table = await TableAsync();
        await table.InsertIfAbsentAsync(new TableEntity("p", "r") { ["V"] = 1 });
        var first = (await table.GetAsync("p", "r"))!;
        var second = (await table.GetAsync("p", "r"))!;

        second["V"] = 2;
        await table.UpdateAsync(second, second.ETag);
        first["V"] = 3;
        var error = await Assert.ThrowsAsync<RequestFailedException>(() => table.UpdateAsync(first, first.ETag));

        Assert.True(error.IsPreconditionFailed);
        Assert.Equal(2, (await table.GetAsync("p", "r"))!.GetInt32("V"));
    }

    [Fact]
    public async Task Delete_reports_a_missing_entity_as_false_and_refuses_a_stale_ETag()
    {
        var table = await TableAsync();
        await table.InsertIfAbsentAsync(new TableEntity("p", "r"));
        var read = (await table.GetAsync("p", "r"))!;
        await table.UpsertAsync(new TableEntity("p", "r") { ["Changed"] = true });

        var stale = await Assert.ThrowsAsync<RequestFailedException>(() => table.DeleteAsync("p", "r", read.ETag));
        Assert.True(stale.IsPreconditionFailed);
        Assert.True(await table.DeleteAsync("p", "r"));
        Assert.False(await table.DeleteAsync("p", "r"));
        Assert.Null(await table.GetAsync("p", "r"));
    }

    [Fact]
    public async Task A_batch_is_all_or_nothing_when_one_action_collides()
    {
        var table = await TableAsync();
        await table.InsertIfAbsentAsync(new TableEntity("p", "exists"));

        var error = await Assert.ThrowsAsync<TableTransactionFailedException>(() => table.SubmitBatchAsync(
        [
            new TableTransactionAction(TableTransactionActionType.Add, new TableEntity("p", "new-1")),
            new TableTransactionAction(TableTransactionActionType.Add, new TableEntity("p", "exists")),
            new TableTransactionAction(TableTransactionActionType.Add, new TableEntity("p", "new-2")),
        ]));

        Assert.True(error.IsConflict);
        Assert.Equal(1, error.FailedTransactionActionIndex);
        Assert.Null(await table.GetAsync("p", "new-1"));
        Assert.Null(await table.GetAsync("p", "new-2"));
    }

    [Fact]
    public async Task A_batch_over_two_partitions_or_over_a_hundred_actions_is_refused_before_it_is_sent()
    {
        var table = await TableAsync();

        await Assert.ThrowsAsync<ArgumentException>(() => table.SubmitBatchAsync(
        [
            new TableTransactionAction(TableTransactionActionType.Add, new TableEntity("a", "1")),
            new TableTransactionAction(TableTransactionActionType.Add, new TableEntity("b", "1")),
        ]));
        await Assert.ThrowsAsync<ArgumentException>(() => table.SubmitBatchAsync(
            [.. Enumerable.Range(0, 101).Select(i => new TableTransactionAction(TableTransactionActionType.Add, new TableEntity("a", i.ToString("D3", null))))]));
        await Assert.ThrowsAsync<ArgumentException>(() => table.SubmitBatchAsync([]));
    }

    [Fact]
    public async Task Query_pages_follow_the_continuation_token_to_the_last_row()
    {
        var table = await TableAsync();
        for (var chunk = 0; chunk < 3; chunk++)
        {
            await table.SubmitBatchAsync([.. Enumerable.Range(chunk * 50, 50).Select(i =>
                new TableTransactionAction(TableTransactionActionType.Add, new TableEntity("p", i.ToString("D4", null)) { ["N"] = i }))]);
        }

        var seen = new List<string>();
        string? next = null;
        var pages = 0;
        do
        {
            var page = await table.QueryPageAsync(TableFilter.PartitionKeyEquals("p"), 40, next, select: ["N"]);
            seen.AddRange(page.Entities.Select(e => e.RowKey));
            next = page.Continuation;
            pages++;
        }
        while (next is not null);

        Assert.Equal(4, pages);
        Assert.Equal(Enumerable.Range(0, 150).Select(i => i.ToString("D4", null)), seen);
        Assert.Equal(150, await table.QueryAsync(TableFilter.PartitionKeyEquals("p"), pageSize: 7).CountAsync());
    }

    [Fact]
    public async Task A_whole_number_reads_back_whether_it_was_stored_as_Int32_or_Int64()
    {
        var table = await TableAsync();
        await table.UpsertAsync(new TableEntity("p", "r") { ["Small"] = 7, ["Large"] = 5_000_000_000L });

        var read = (await table.GetAsync("p", "r"))!;

        Assert.Equal(7L, read.GetWholeNumber("Small"));
        Assert.Equal(5_000_000_000L, read.GetWholeNumber("Large"));
        Assert.Null(read.GetWholeNumber("Absent"));
    }

    [Fact]
    public async Task A_create_only_blob_write_is_refused_the_second_time_and_the_first_content_stays()
    {
        var container = _storage.GetBlobContainer(UniqueName.For("c"));
        await container.CreateIfNotExistsAsync();

        await container.PutAsync("a/b.xml", "<een/>"u8.ToArray(), "application/xml", new Dictionary<string, string> { ["bericht"] = "WMO305" }, BlobIdioms.CreateOnly);
        var error = await Assert.ThrowsAsync<RequestFailedException>(() =>
            container.PutAsync("a/b.xml", "<twee/>"u8.ToArray(), "application/xml", conditions: BlobIdioms.CreateOnly));

        Assert.True(error.IsConflict);
        var stored = await container.GetAsync("a/b.xml");
        Assert.Equal("<een/>", Encoding.UTF8.GetString(stored!.Content));
        Assert.Equal("application/xml", stored.ContentType);
        Assert.Equal("WMO305", stored.Metadata["bericht"]);
        Assert.Null(await container.GetAsync("a/missing.xml"));
        Assert.Equal(["a/b.xml"], await container.ListAsync("a/").Select(b => b.Name).ToListAsync());
        Assert.True(await container.DeleteAsync("a/b.xml"));
        Assert.False(await container.DeleteAsync("a/b.xml"));
    }

    [Fact]
    public async Task A_lease_is_held_by_one_holder_until_it_is_released()
    {
        var container = _storage.GetBlobContainer(UniqueName.For("c"));
        await container.CreateIfNotExistsAsync();
        await container.PutAsync("lock", ReadOnlyMemory<byte>.Empty);

        var first = await container.TryAcquireLeaseAsync("lock", TimeSpan.FromSeconds(15));
        var second = await container.TryAcquireLeaseAsync("lock", TimeSpan.FromSeconds(15));
        await container.RenewLeaseAsync("lock", first!);
        var wrongRenew = await Assert.ThrowsAsync<RequestFailedException>(() => container.RenewLeaseAsync("lock", Guid.NewGuid().ToString()));
        await container.ReleaseLeaseAsync("lock", first!);
        var third = await container.TryAcquireLeaseAsync("lock", TimeSpan.FromSeconds(15));

        Assert.NotNull(first);
        Assert.Null(second);
        Assert.True(wrongRenew.IsConflict);
        Assert.NotNull(third);
        Assert.NotEqual(first, third);
    }

    [Fact]
    public async Task Queue_messages_are_base64_on_the_wire_as_a_Functions_queue_trigger_reads_them()
    {
        var name = UniqueName.For("q");
        var queue = _storage.GetQueue(name);
        await queue.CreateIfNotExistsAsync();
        var raw = new QueueClient(_azurite.ConnectionString, name, new QueueClientOptions { MessageEncoding = QueueMessageEncoding.None });

        await queue.SendAsync("""{"Id":"één"}""");

        var wire = Assert.Single(await raw.PeekAsync());
        Assert.Equal(Convert.ToBase64String(Encoding.UTF8.GetBytes("""{"Id":"één"}""")), wire.MessageText);
        var received = Assert.Single(await queue.ReceiveAsync(1, TimeSpan.FromSeconds(30)));
        Assert.Equal("""{"Id":"één"}""", received.MessageText);
        Assert.Equal(1, received.DequeueCount);
        var hidden = await queue.UpdateVisibilityAsync(received.MessageId, received.PopReceipt, TimeSpan.Zero);
        Assert.Equal(1, await queue.GetApproximateCountAsync());
        await queue.DeleteMessageAsync(received.MessageId, hidden.PopReceipt);
        Assert.Equal(0, await queue.GetApproximateCountAsync());
    }

    [Fact]
    public async Task A_plain_text_message_in_a_base64_queue_is_moved_to_its_poison_queue_not_lost_and_not_blocking()
    {
        var name = UniqueName.For("q");
        var queue = _storage.GetQueue(name);
        await queue.CreateIfNotExistsAsync();
        var raw = new QueueClient(_azurite.ConnectionString, name, new QueueClientOptions { MessageEncoding = QueueMessageEncoding.None });
        await raw.SendMessageAsync("plain text, not base64!");
        await queue.SendAsync("good");

        var received = new List<string>();
        for (var i = 0; i < 3 && received.Count == 0; i++)
        {
            received.AddRange((await queue.ReceiveAsync(32, TimeSpan.FromSeconds(30))).Select(m => m.MessageText));
        }

        Assert.Equal(["good"], received);
        var poison = _storage.GetQueue(name + "-poison");
        Assert.Equal("plain text, not base64!", Assert.Single(await poison.PeekAsync()).MessageText);
    }
}
