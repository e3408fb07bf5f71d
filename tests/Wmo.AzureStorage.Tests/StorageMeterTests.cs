using Azure.Data.Tables;
using Wmo.AzureStorage;
using Wmo.Testing;

namespace Wmo.AzureStorage.Tests;

/// <summary>
/// The storage meter counts what the clients really send to a real Azurite, named as the Storage REST API names it,
/// under the phase of the flow that sent it.
/// </summary>
public sealed class StorageMeterTests : IClassFixture<AzuriteFixture>
{
    private readonly StorageClients _storage;

    public StorageMeterTests(AzuriteFixture azurite) => _storage = azurite.CreateClient();

    /// <summary>The counts of this test's phase only (the meter is shared by everything in the process).</summary>
    private static Dictionary<(string Service, string Operation, string Resource), StorageOperationStats> Seen(string phase) =>
        StorageMeter.Shared.Snapshot().Where(s => s.Kind.Phase == phase)
            .ToDictionary(s => (s.Kind.Service, s.Kind.Operation, s.Kind.Resource));

    [Fact]
    public async Task Every_table_request_is_counted_once_by_operation_and_table_with_the_rows_a_query_returned_or_a_batch_wrote()
    {
        var phase = "meter-table-" + Guid.NewGuid().ToString("N")[..8];
        var table = _storage.GetTable(UniqueName.For("m"));
        using (StorageMeter.BeginPhase(phase))
        {
            await table.CreateIfNotExistsAsync();
            await table.InsertIfAbsentAsync(new TableEntity("p", "a"));
            await table.InsertIfAbsentAsync(new TableEntity("p", "a")); // a duplicate: 409, counted, not failed
            await table.UpsertAsync(new TableEntity("p", "b"));
            await table.UpsertAsync(new TableEntity("p", "b") { ["X"] = 1 }, TableUpdateMode.Merge);
            await table.UpdateAsync(new TableEntity("p", "b") { ["X"] = 2 }, default, TableUpdateMode.Replace);
            await table.GetAsync("p", "a");
            await table.GetAsync("p", "missing");
            await table.SubmitBatchAsync(
            [
                new(TableTransactionActionType.UpsertReplace, new TableEntity("q", "1")),
                new(TableTransactionActionType.UpsertReplace, new TableEntity("q", "2")),
                new(TableTransactionActionType.UpsertReplace, new TableEntity("q", "3")),
            ]);
            await table.QueryPageAsync(TableFilter.PartitionKeyEquals("q"), 10);
            await table.DeleteAsync("p", "a");
        }

        var seen = Seen(phase);
        var name = table.Name;
        Assert.Equal(1, seen[("table", "table-create", "(tables)")].Count); // the new table's name is in the body
        Assert.Equal(2, seen[("table", "insert", name)].Count);
        Assert.Equal(0, seen[("table", "insert", name)].Failed);
        Assert.Equal(1, seen[("table", "upsert", name)].Count);
        Assert.Equal(1, seen[("table", "upsert-merge", name)].Count);
        Assert.Equal(1, seen[("table", "update", name)].Count);
        Assert.Equal(2, seen[("table", "get", name)].Count);
        Assert.Equal(1, seen[("table", "batch", name)].Count); // three rows, one request: one transaction billed
        Assert.Equal(3, seen[("table", "batch", name)].Rows); // and three entities written: what the replay reproduces
        Assert.Equal(1, seen[("table", "query", name)].Count);
        Assert.Equal(3, seen[("table", "query", name)].Rows);
        Assert.Equal(1, seen[("table", "delete", name)].Count);
        Assert.Equal(11, seen.Values.Sum(s => s.Count)); // nothing else was sent
        Assert.All(seen.Values, s => Assert.True(s.TotalMs > 0));
    }

    [Fact]
    public async Task Blob_and_queue_requests_are_named_and_polling_an_empty_queue_is_told_apart()
    {
        var phase = "meter-bq-" + Guid.NewGuid().ToString("N")[..8];
        var container = _storage.GetBlobContainer(UniqueName.For("m").ToLowerInvariant());
        var queue = _storage.GetQueue(UniqueName.For("m").ToLowerInvariant());
        using (StorageMeter.BeginPhase(phase))
        {
            await container.CreateIfNotExistsAsync();
            await container.PutAsync("a/b/c.xml", "<x/>"u8.ToArray(), "application/xml");
            await container.GetAsync("a/b/c.xml");
            await queue.CreateIfNotExistsAsync();
            await queue.ReceiveMessagesAsync(1);
            await queue.SendMessageAsync("hallo");
            var message = (await queue.ReceiveMessagesAsync(1)).Value.Single();
            await queue.DeleteMessageAsync(message.MessageId, message.PopReceipt);
        }

        var seen = Seen(phase);
        Assert.Equal(1, seen[("blob", "container-create", container.Name)].Count);
        Assert.Equal(1, seen[("blob", "put", container.Name)].Count);
        Assert.Equal(4, seen[("blob", "put", container.Name)].RequestBytes);
        Assert.Equal(1, seen[("blob", "get", container.Name)].Count);
        Assert.Equal(1, seen[("queue", "queue-create", queue.Name)].Count);
        Assert.Equal(1, seen[("queue", "receive-empty", queue.Name)].Count);
        Assert.Equal(1, seen[("queue", "send", queue.Name)].Count);
        Assert.Equal(1, seen[("queue", "receive", queue.Name)].Count);
        Assert.Equal(1, seen[("queue", "delete", queue.Name)].Count);
    }

    [Fact]
    public async Task A_phase_follows_the_flow_that_set_it_into_parallel_work_and_ends_with_it()
    {
        var phase = "meter-flow-" + Guid.NewGuid().ToString("N")[..8];
        var other = "meter-other-" + Guid.NewGuid().ToString("N")[..8];
        var table = _storage.GetTable(UniqueName.For("m"));
        await table.CreateIfNotExistsAsync();

        Task Outside() => Task.Run(async () =>
        {
            using (StorageMeter.BeginPhase(other))
            {
                await table.GetAsync("p", "x");
            }
        });

        using (StorageMeter.BeginPhase(phase))
        {
            await Task.WhenAll(Enumerable.Range(0, 5).Select(i => Task.Run(() => table.GetAsync("p", i.ToString()))).Append(Outside()));
        }

        Assert.Null(StorageMeter.Phase);
        await table.GetAsync("p", "after"); // outside any phase: not counted under either
        Assert.Equal(5, Seen(phase)[("table", "get", table.Name)].Count);
        Assert.Equal(1, Seen(other)[("table", "get", table.Name)].Count);
    }
}

/// <summary>Request naming for Azure's own endpoints (account in the host name) as well as Azurite's (account in the path).</summary>
public sealed class StorageRequestNamingTests
{
    [Theory]
    [InlineData("table", "https://acct.table.core.windows.net/berichten(PartitionKey='a',RowKey='meta')", "GET", false, "get", "berichten")]
    [InlineData("table", "http://127.0.0.1:10002/devstoreaccount1/berichten(PartitionKey='a',RowKey='meta')", "GET", false, "get", "berichten")]
    [InlineData("table", "https://acct.table.core.windows.net/postbus()?$filter=PartitionKey%20eq%20'x'", "GET", false, "query", "postbus")]
    [InlineData("table", "https://acct.table.core.windows.net/ketens(PartitionKey='p',RowKey='s')", "PUT", true, "update", "ketens")]
    [InlineData("table", "https://acct.table.core.windows.net/ketens(PartitionKey='p',RowKey='s')", "PUT", false, "upsert", "ketens")]
    [InlineData("table", "https://acct.table.core.windows.net/ketens(PartitionKey='p',RowKey='s')", "MERGE", true, "merge", "ketens")]
    [InlineData("table", "https://acct.table.core.windows.net/ketens(PartitionKey='p',RowKey='s')", "PATCH", false, "upsert-merge", "ketens")]
    [InlineData("table", "https://acct.table.core.windows.net/alerts", "POST", false, "insert", "alerts")]
    [InlineData("table", "https://acct.table.core.windows.net/Tables('alerts')", "DELETE", false, "table-delete", "alerts")]
    [InlineData("queue", "https://acct.queue.core.windows.net/berichten-in/messages?numofmessages=16", "GET", false, "receive", "berichten-in")]
    [InlineData("queue", "https://acct.queue.core.windows.net/berichten-in/messages?peekonly=true", "GET", false, "peek", "berichten-in")]
    [InlineData("queue", "https://acct.queue.core.windows.net/berichten-in/messages/abc?popreceipt=x", "PUT", false, "update", "berichten-in")]
    [InlineData("queue", "http://localhost:10001/devstoreaccount1/berichten-in/messages", "POST", false, "send", "berichten-in")]
    [InlineData("blob", "https://acct.blob.core.windows.net/berichten/0384/2026/11/abc.xml", "HEAD", false, "properties", "berichten")]
    [InlineData("blob", "https://acct.blob.core.windows.net/berichten?restype=container&comp=list&prefix=0384", "GET", false, "list", "berichten")]
    public void A_request_is_named_by_its_operation_and_resource(string service, string url, string method, bool conditional, string operation, string resource) =>
        Assert.Equal((operation, resource), StorageRequests.Classify(service, new Uri(url), method, conditional));
}
