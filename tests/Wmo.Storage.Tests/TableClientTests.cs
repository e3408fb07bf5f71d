using System.Net;
using Wmo.Storage;
using Wmo.Testing;

namespace Wmo.Storage.Tests;


public sealed class TableClientTests : IClassFixture<AzuriteFixture>, IDisposable
{
    private readonly StorageClient _client;

    public TableClientTests(AzuriteFixture azurite) => _client = azurite.CreateClient();

    public void Dispose() => _client.Dispose();

    private async Task<TableClient> NewTableAsync()
    {
        var table = _client.GetTable(UniqueName.For("t"));
        await table.CreateIfNotExistsAsync();
        return table;
    }

    [Fact]
    public async Task Creating_a_table_twice_reports_that_it_already_existed()
    {
        var table = _client.GetTable(UniqueName.For("t"));

        Assert.True(await table.CreateIfNotExistsAsync());
        Assert.False(await table.CreateIfNotExistsAsync());
        Assert.True(await table.DeleteIfExistsAsync());
        Assert.False(await table.DeleteIfExistsAsync());
    }

    [Fact]
    public async Task Every_supported_property_type_round_trips_with_its_type()
    {
        var table = await NewTableAsync();
        var when = new DateTimeOffset(2026, 3, 31, 23, 59, 58, 123, TimeSpan.FromHours(2)).AddTicks(4567);
        var id = Guid.NewGuid();
        var entity = new TableEntity("0363", "client'1")
        {
            ["Text"] = "Bsn ****1234",
            ["Int32"] = 42,
            ["Int64"] = 9_007_199_254_740_993L,
            ["Double"] = 12.5,
            ["WholeDouble"] = 3.0,
            ["Bool"] = true,
            ["When"] = when,
            ["Id"] = id,
            ["Bytes"] = new byte[] { 0, 1, 254, 255 },
        };

        await table.InsertIfAbsentAsync(entity);
        var read = await table.GetAsync("0363", "client'1");

        Assert.NotNull(read);
        Assert.Equal("Bsn ****1234", read.GetString("Text"));
        Assert.Equal(42, read.GetInt32("Int32"));
        Assert.Equal(9_007_199_254_740_993L, read.GetInt64("Int64"));
        Assert.Equal(12.5, read.GetDouble("Double"));
        Assert.IsType<double>(read["WholeDouble"]);
        Assert.True(read.GetBoolean("Bool"));
        Assert.Equal(when, read.GetDateTime("When"));
        Assert.Equal(id, read.GetGuid("Id"));
        Assert.Equal(new byte[] { 0, 1, 254, 255 }, read.GetBinary("Bytes"));
        Assert.NotNull(read.ETag);
        Assert.NotNull(read.Timestamp);
    }

    [Fact]
    public async Task Insert_if_absent_reports_a_duplicate_as_a_distinct_result_and_keeps_the_original()
    {
        var table = await NewTableAsync();

        var first = await table.InsertIfAbsentAsync(new TableEntity("afzender", "bericht-1") { ["Status"] = "first" });
        var second = await table.InsertIfAbsentAsync(new TableEntity("afzender", "bericht-1") { ["Status"] = "second" });

        Assert.True(first.Inserted);
        Assert.False(second.Inserted);
        Assert.Equal("first", (await table.GetAsync("afzender", "bericht-1"))!.GetString("Status"));
    }

    [Fact]
    public async Task Concurrent_inserts_of_the_same_key_let_exactly_one_win()
    {
        var table = await NewTableAsync();

        var results = await Task.WhenAll(Enumerable.Range(0, 10).Select(i =>
            table.InsertIfAbsentAsync(new TableEntity("p", "same") { ["Writer"] = i })));

        Assert.Single(results, r => r.Inserted);
    }

    [Fact]
    public async Task Upsert_replace_drops_properties_that_merge_would_keep()
    {
        var table = await NewTableAsync();
        await table.UpsertAsync(new TableEntity("p", "r") { ["A"] = "a", ["B"] = "b" });

        await table.UpsertAsync(new TableEntity("p", "r") { ["A"] = "a2" }, TableUpdateMode.Merge);
        var merged = await table.GetAsync("p", "r");
        await table.UpsertAsync(new TableEntity("p", "r") { ["A"] = "a3" }, TableUpdateMode.Replace);
        var replaced = await table.GetAsync("p", "r");

        Assert.Equal(("a2", "b"), (merged!.GetString("A"), merged.GetString("B")));
        Assert.Equal("a3", replaced!.GetString("A"));
        Assert.Null(replaced["B"]);
    }

    [Fact]
    public async Task An_update_with_a_stale_etag_fails_as_a_precondition_and_changes_nothing()
    {
        var table = await NewTableAsync();
        await table.UpsertAsync(new TableEntity("p", "r") { ["Version"] = 1 });
        var mine = await table.GetAsync("p", "r");
        var theirs = await table.GetAsync("p", "r");
        theirs!["Version"] = 2;
        await table.UpdateAsync(theirs, theirs.ETag!);

        mine!["Version"] = 3;
        var ex = await Assert.ThrowsAsync<StorageRequestException>(() => table.UpdateAsync(mine, mine.ETag!, TableUpdateMode.Merge));

        Assert.True(ex.IsPreconditionFailed);
        Assert.Equal("UpdateConditionNotSatisfied", ex.ErrorCode);
        Assert.Equal(2, (await table.GetAsync("p", "r"))!.GetInt32("Version"));
    }

    [Fact]
    public async Task An_update_with_the_current_etag_succeeds_and_returns_a_new_etag()
    {
        var table = await NewTableAsync();
        var inserted = await table.InsertIfAbsentAsync(new TableEntity("p", "r") { ["Version"] = 1 });
        var entity = new TableEntity("p", "r") { ["Version"] = 2 };

        var newETag = await table.UpdateAsync(entity, inserted.ETag!);

        Assert.NotEqual(inserted.ETag, newETag);
        Assert.Equal(2, (await table.GetAsync("p", "r"))!.GetInt32("Version"));
    }

    [Fact]
    public async Task Updating_a_missing_entity_fails_as_not_found()
    {
        var table = await NewTableAsync();

        var ex = await Assert.ThrowsAsync<StorageRequestException>(() => table.UpdateAsync(new TableEntity("p", "nope"), "*"));

        Assert.True(ex.IsNotFound);
    }

    [Fact]
    public async Task Getting_a_missing_entity_returns_null_and_deleting_it_returns_false()
    {
        var table = await NewTableAsync();

        Assert.Null(await table.GetAsync("p", "absent"));
        Assert.False(await table.DeleteAsync("p", "absent"));
    }

    [Fact]
    public async Task Delete_with_a_stale_etag_is_refused()
    {
        var table = await NewTableAsync();
        var inserted = await table.InsertIfAbsentAsync(new TableEntity("p", "r"));
        await table.UpsertAsync(new TableEntity("p", "r") { ["Changed"] = true });

        var ex = await Assert.ThrowsAsync<StorageRequestException>(() => table.DeleteAsync("p", "r", inserted.ETag!));

        Assert.True(ex.IsPreconditionFailed);
        Assert.True(await table.DeleteAsync("p", "r"));
    }

    [Fact]
    public async Task A_query_follows_continuation_tokens_across_pages()
    {
        var table = await NewTableAsync();
        var actions = Enumerable.Range(0, 25)
            .Select(i => new TableTransactionAction(TableActionKind.Add, new TableEntity("due-2026-11-23", $"item-{i:D3}") { ["N"] = i }))
            .ToList();
        await table.SubmitTransactionAsync(actions);
        await table.InsertIfAbsentAsync(new TableEntity("due-2026-11-24", "other"));

        var first = await table.QueryPageAsync(TableFilter.PartitionKeyEquals("due-2026-11-23"), top: 10);
        var all = await table.QueryAsync(TableFilter.PartitionKeyEquals("due-2026-11-23"), pageSize: 10).ToListAsync();

        Assert.Equal(10, first.Entities.Count);
        Assert.NotNull(first.Continuation);
        Assert.Equal(25, all.Count);
        Assert.Equal(Enumerable.Range(0, 25), all.Select(e => e.GetInt32("N")!.Value));
    }

    [Fact]
    public async Task A_filter_with_quotes_and_ranges_selects_exactly_the_matching_entities()
    {
        var table = await NewTableAsync();
        foreach (var day in new[] { "2026-11-20", "2026-11-21", "2026-11-22", "2026-11-23" })
        {
            await table.InsertIfAbsentAsync(new TableEntity("d'" + day, "x") { ["Day"] = day });
        }

        var due = await table.QueryAsync(TableFilter.And(
            TableFilter.GreaterThanOrEqual("PartitionKey", "d'2026-11-21"),
            TableFilter.LessThan("PartitionKey", "d'2026-11-23"))).ToListAsync();

        Assert.Equal(["2026-11-21", "2026-11-22"], due.Select(e => e.GetString("Day")));
    }

    [Fact]
    public async Task A_transaction_applies_all_actions_of_one_partition_together()
    {
        var table = await NewTableAsync();
        var existing = await table.InsertIfAbsentAsync(new TableEntity("0363", "ledger") { ["Count"] = 1 });
        await table.InsertIfAbsentAsync(new TableEntity("0363", "obsolete"));

        var etags = await table.SubmitTransactionAsync(
        [
            new(TableActionKind.Add, new TableEntity("0363", "dedupe-1")),
            new(TableActionKind.UpdateMerge, new TableEntity("0363", "ledger") { ["Count"] = 2 }, existing.ETag!),
            new(TableActionKind.UpsertReplace, new TableEntity("0363", "outbox-1") { ["To"] = "CAK" }),
            new(TableActionKind.Delete, new TableEntity("0363", "obsolete")),
        ]);

        Assert.Equal(4, etags.Count);
        Assert.NotNull(await table.GetAsync("0363", "dedupe-1"));
        Assert.Equal(2, (await table.GetAsync("0363", "ledger"))!.GetInt32("Count"));
        Assert.Equal("CAK", (await table.GetAsync("0363", "outbox-1"))!.GetString("To"));
        Assert.Null(await table.GetAsync("0363", "obsolete"));
    }

    [Fact]
    public async Task A_transaction_with_a_duplicate_insert_changes_nothing_and_names_the_failed_action()
    {
        var table = await NewTableAsync();
        await table.InsertIfAbsentAsync(new TableEntity("0363", "dedupe-1"));

        var ex = await Assert.ThrowsAsync<TableTransactionFailedException>(() => table.SubmitTransactionAsync(
        [
            new(TableActionKind.UpsertReplace, new TableEntity("0363", "ledger") { ["Count"] = 99 }),
            new(TableActionKind.Add, new TableEntity("0363", "dedupe-1")),
            new(TableActionKind.UpsertReplace, new TableEntity("0363", "outbox-1")),
        ]));

        Assert.Equal(HttpStatusCode.Conflict, ex.Status);
        Assert.Equal("EntityAlreadyExists", ex.ErrorCode);
        Assert.Equal(1, ex.FailedOperationIndex);
        Assert.Null(await table.GetAsync("0363", "ledger"));
        Assert.Null(await table.GetAsync("0363", "outbox-1"));
    }

    [Fact]
    public async Task A_transaction_with_a_stale_etag_is_rolled_back()
    {
        var table = await NewTableAsync();
        var stale = await table.InsertIfAbsentAsync(new TableEntity("p", "ledger") { ["Count"] = 1 });
        await table.UpsertAsync(new TableEntity("p", "ledger") { ["Count"] = 5 });

        var ex = await Assert.ThrowsAsync<TableTransactionFailedException>(() => table.SubmitTransactionAsync(
        [
            new(TableActionKind.Add, new TableEntity("p", "outbox-1")),
            new(TableActionKind.UpdateReplace, new TableEntity("p", "ledger") { ["Count"] = 2 }, stale.ETag!),
        ]));

        Assert.Equal(HttpStatusCode.PreconditionFailed, ex.Status);
        Assert.Null(await table.GetAsync("p", "outbox-1"));
        Assert.Equal(5, (await table.GetAsync("p", "ledger"))!.GetInt32("Count"));
    }

    [Fact]
    public async Task A_transaction_of_one_hundred_actions_is_accepted()
    {
        var table = await NewTableAsync();

        var etags = await table.SubmitTransactionAsync(Enumerable.Range(0, 100)
            .Select(i => new TableTransactionAction(TableActionKind.Add, new TableEntity("p", $"r{i:D3}")))
            .ToList());

        Assert.Equal(100, etags.Count);
        Assert.Equal(100, await table.QueryAsync(TableFilter.PartitionKeyEquals("p")).CountAsync());
    }

    [Fact]
    public async Task Transactions_over_the_service_limits_are_refused_before_sending()
    {
        var table = await NewTableAsync();

        await Assert.ThrowsAsync<ArgumentException>(() => table.SubmitTransactionAsync(Enumerable.Range(0, 101)
            .Select(i => new TableTransactionAction(TableActionKind.Add, new TableEntity("p", $"r{i}"))).ToList()));
        await Assert.ThrowsAsync<ArgumentException>(() => table.SubmitTransactionAsync(
        [
            new(TableActionKind.Add, new TableEntity("a", "1")),
            new(TableActionKind.Add, new TableEntity("b", "1")),
        ]));
        Assert.Empty(await table.QueryAsync(null).ToListAsync());
    }

    [Fact]
    public async Task Operations_on_a_missing_table_fail_with_TableNotFound()
    {
        var table = _client.GetTable(UniqueName.For("missing"));

        var ex = await Assert.ThrowsAsync<StorageRequestException>(() => table.UpsertAsync(new TableEntity("p", "r")));

        Assert.True(ex.IsNotFound);
        Assert.Equal("TableNotFound", ex.ErrorCode);
    }
}
