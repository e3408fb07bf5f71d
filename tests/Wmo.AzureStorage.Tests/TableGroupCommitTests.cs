using Azure.Data.Tables;
using Wmo.AzureStorage;
using Wmo.Testing;

namespace Wmo.AzureStorage.Tests;

/// <summary>
/// Group commit against a real Azurite: concurrent upserts into one partition share transactions, every caller's row
/// is stored when its task completes, the last write of a row wins, and one bad row fails only its own caller.
/// </summary>
public sealed class TableGroupCommitTests : IClassFixture<AzuriteFixture>
{
    private readonly AzuriteFixture _azurite;
    private readonly StorageClients _storage;

    public TableGroupCommitTests(AzuriteFixture azurite)
    {
        _azurite = azurite;
        _storage = azurite.CreateClient();
    }

    private async Task<TableClient> NewTableAsync()
    {
        var table = _storage.GetTable(UniqueName.For("gc"));
        await table.CreateIfNotExistsAsync();
        return table;
    }

    private static long Requests(string phase) =>
        StorageMeter.Shared.Snapshot().Where(s => s.Kind.Phase == phase).Sum(s => s.Count);

    private static async Task<List<TableEntity>> RowsAsync(TableClient table, string partition)
    {
        var rows = new List<TableEntity>();
        await foreach (var e in table.QueryAsync<TableEntity>(TableFilter.PartitionKeyEquals(partition)))
        {
            rows.Add(e);
        }

        return rows;
    }

    [Fact]
    public async Task Concurrent_upserts_into_one_partition_are_all_stored_in_far_fewer_requests_than_rows()
    {
        var table = await NewTableAsync();
        var group = new TableGroupCommit();
        var phase = "gc-" + Guid.NewGuid().ToString("N")[..8];
        using (StorageMeter.BeginPhase(phase))
        {
            // 300 writers at once, as many concurrent handlers would: 250 into one partition, 50 into another.
            await Task.WhenAll(Enumerable.Range(0, 300).Select(i => Task.Run(() =>
                group.UpsertAsync(table, new TableEntity(i < 250 ? "hot" : "cold", $"r{i:D3}") { ["N"] = i }))));
        }

        var hot = await RowsAsync(table, "hot");
        var cold = await RowsAsync(table, "cold");
        Assert.Equal(Enumerable.Range(0, 250), hot.Select(e => e.GetInt32("N")!.Value).Order());
        Assert.Equal(Enumerable.Range(250, 50), cold.Select(e => e.GetInt32("N")!.Value).Order());
        var requests = Requests(phase);
        Assert.InRange(requests, 5, 100); // at least 300 / 100 rows per transaction, and shared: far fewer than 300
    }

    [Fact]
    public async Task A_shared_request_is_metered_under_the_function_whose_write_opened_it()
    {
        var table = await NewTableAsync();
        var group = new TableGroupCommit();
        var (first, second) = ("gc-" + Guid.NewGuid().ToString("N")[..8], "gc-" + Guid.NewGuid().ToString("N")[..8]);
        Task Write(string phase, int i)
        {
            using (StorageMeter.BeginPhase(phase))
            {
                return group.UpsertAsync(table, new TableEntity("p", $"r{i:D3}"));
            }
        }

        // 100 writes of one function, then 150 of another, into one partition. A request takes at most 100 rows in
        // arrival order, so the last 50 go in requests the second function's writes open, whichever way the flush
        // cuts the rest; the flush (started by the first function's write) must not count those under the first.
        await Task.WhenAll([.. Enumerable.Range(0, 100).Select(i => Write(first, i)), .. Enumerable.Range(100, 150).Select(i => Write(second, i))]);

        Assert.Equal(250, (await RowsAsync(table, "p")).Count);
        Assert.InRange(Requests(first), 1, 100);
        Assert.InRange(Requests(second), 1, 150);
        Assert.InRange(Requests(first) + Requests(second), 3, 250);
    }

    [Fact]
    public async Task A_row_into_an_idle_partition_is_one_plain_upsert_sent_at_once()
    {
        var table = await NewTableAsync();
        var group = new TableGroupCommit();
        var phase = "gc-" + Guid.NewGuid().ToString("N")[..8];
        using (StorageMeter.BeginPhase(phase))
        {
            await group.UpsertAsync(table, new TableEntity("p", "only") { ["X"] = "a" });
        }

        var seen = StorageMeter.Shared.Snapshot().Where(s => s.Kind.Phase == phase).ToList();
        var one = Assert.Single(seen);
        Assert.Equal(("table", "upsert", table.Name), (one.Kind.Service, one.Kind.Operation, one.Kind.Resource));
        Assert.Equal(1, one.Count);
        Assert.Equal("a", (await table.GetEntityAsync<TableEntity>("p", "only")).Value.GetString("X"));
    }

    [Fact]
    public async Task Writes_of_the_same_row_never_share_a_transaction_and_the_last_one_wins()
    {
        var table = await NewTableAsync();
        var group = new TableGroupCommit();

        // Issued in order without waiting: each call is queued before the next, so the 40th is the last write.
        var writes = Enumerable.Range(0, 40).Select(i => group.UpsertAsync(table, new TableEntity("p", i % 2 == 0 ? "same" : $"other{i}") { ["N"] = i })).ToList();
        await Task.WhenAll(writes);

        Assert.Equal(38, (await table.GetEntityAsync<TableEntity>("p", "same")).Value.GetInt32("N"));
        Assert.Equal(21, (await RowsAsync(table, "p")).Count);
    }

    [Fact]
    public async Task Merge_keeps_the_other_properties_of_the_row()
    {
        var table = await NewTableAsync();
        var group = new TableGroupCommit();
        await table.UpsertAsync(new TableEntity("p", "m") { ["Kept"] = "yes", ["X"] = 1 });

        await Task.WhenAll(
            group.UpsertAsync(table, new TableEntity("p", "m") { ["X"] = 2 }, TableUpdateMode.Merge),
            group.UpsertAsync(table, new TableEntity("p", "n") { ["X"] = 3 }, TableUpdateMode.Merge));

        var row = (await table.GetEntityAsync<TableEntity>("p", "m")).Value;
        Assert.Equal(("yes", 2), (row.GetString("Kept"), row.GetInt32("X")));
    }

    [Fact]
    public async Task A_row_storage_refuses_fails_only_its_own_caller()
    {
        var table = await NewTableAsync();
        var group = new TableGroupCommit();

        // A property over 64 KiB is refused; it travels with well-formed rows that were queued with it.
        var good = Enumerable.Range(0, 20).Select(i => group.UpsertAsync(table, new TableEntity("p", $"ok{i:D2}") { ["N"] = i })).ToList();
        var bad = group.UpsertAsync(table, new TableEntity("p", "bad") { ["Big"] = new string('x', 40_000) });
        good.AddRange(Enumerable.Range(20, 20).Select(i => group.UpsertAsync(table, new TableEntity("p", $"ok{i:D2}") { ["N"] = i })));

        await Assert.ThrowsAnyAsync<Azure.RequestFailedException>(() => bad);
        await Task.WhenAll(good);
        var rows = await RowsAsync(table, "p");
        Assert.Equal(40, rows.Count);
        Assert.DoesNotContain(rows, r => r.RowKey == "bad");
    }

    [Fact]
    public async Task When_storage_is_unreachable_every_caller_gets_the_failure()
    {
        var unreachable = StorageClients.FromConnectionString(
            AzuriteFixture.DevelopmentConnectionString("127.0.0.1", 1, 1, 1), o => o.Retry.MaxRetries = 0);
        var table = unreachable.GetTable("nowhere");
        var group = new TableGroupCommit();

        var writes = Enumerable.Range(0, 10).Select(i => group.UpsertAsync(table, new TableEntity("p", $"r{i}"))).ToList();

        foreach (var write in writes)
        {
            var ex = await Assert.ThrowsAnyAsync<Exception>(() => write);
            Assert.True(StorageClients.IsOutage(ex), ex.ToString());
        }
    }

    [Fact]
    public async Task A_caller_that_gives_up_does_not_take_the_other_rows_with_it()
    {
        var table = await NewTableAsync();
        var group = new TableGroupCommit();
        using var cancel = new CancellationTokenSource();

        var writes = Enumerable.Range(0, 30).Select(i => group.UpsertAsync(table, new TableEntity("p", $"r{i:D2}"), ct: i == 0 ? cancel.Token : default)).ToList();
        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => writes[0]);
        await Task.WhenAll(writes.Skip(1));
        var stored = (await RowsAsync(table, "p")).Select(r => r.RowKey).ToHashSet();
        Assert.Superset(writes.Skip(1).Select((_, i) => $"r{i + 1:D2}").ToHashSet(), stored);
    }

    private static TableEntity[] Group(string pk, int n, string value) =>
        [new TableEntity(pk, $"i|{n:D3}") { ["V"] = value }, new TableEntity(pk, $"u|{n:D3}") { ["V"] = value }];

    [Fact]
    public async Task Concurrent_insert_groups_share_transactions_and_a_group_that_exists_answers_false_without_holding_up_the_rest()
    {
        var table = await NewTableAsync();
        var group = new TableGroupCommit();
        var existing = new[] { 3, 17, 18, 40, 59 };
        foreach (var n in existing)
        {
            await table.AddEntityAsync(new TableEntity("box", $"i|{n:D3}") { ["V"] = "before" }); // delivered before: only half of the group exists
        }

        var phase = "gc-" + Guid.NewGuid().ToString("N")[..8];
        bool[] inserted;
        using (StorageMeter.BeginPhase(phase))
        {
            inserted = await Task.WhenAll(Enumerable.Range(0, 60).Select(n => Task.Run(() => group.TryInsertAsync(table, Group("box", n, "new")))));
        }

        Assert.Equal(existing, Enumerable.Range(0, 60).Where(n => !inserted[n]));
        var rows = (await RowsAsync(table, "box")).ToDictionary(r => r.RowKey, r => r.GetString("V"));
        Assert.Equal(115, rows.Count); // 55 groups of two, and the 5 rows from before
        Assert.All(existing, n => Assert.Equal("before", rows[$"i|{n:D3}"]));
        Assert.All(existing, n => Assert.False(rows.ContainsKey($"u|{n:D3}"))); // all or none per group
        Assert.InRange(Requests(phase), 2, 40);
    }

    [Fact]
    public async Task Of_concurrent_inserts_of_the_same_group_exactly_one_succeeds()
    {
        var table = await NewTableAsync();
        var group = new TableGroupCommit();

        var inserted = await Task.WhenAll(Enumerable.Range(0, 20).Select(i => Task.Run(() => group.TryInsertAsync(table, Group("box", 1, $"try{i}")))));

        Assert.Single(inserted, true);
        var rows = await RowsAsync(table, "box");
        Assert.Equal(2, rows.Count);
        Assert.Single(rows.Select(r => r.GetString("V")).Distinct()); // both rows from the same winner
    }

    [Fact]
    public async Task An_insert_group_must_be_one_partition_with_distinct_rows()
    {
        var table = await NewTableAsync();
        var group = new TableGroupCommit();

        await Assert.ThrowsAsync<ArgumentException>(() => group.TryInsertAsync(table, []));
        await Assert.ThrowsAsync<ArgumentException>(() => group.TryInsertAsync(table, [new TableEntity("a", "1"), new TableEntity("b", "2")]));
        await Assert.ThrowsAsync<ArgumentException>(() => group.TryInsertAsync(table, [new TableEntity("a", "1"), new TableEntity("a", "1")]));
        Assert.Empty(await RowsAsync(table, "a"));
    }
}
