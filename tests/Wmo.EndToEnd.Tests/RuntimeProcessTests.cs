using System.Diagnostics;
using Azure.Data.Tables;
using Wmo.AzureStorage;
using Wmo.Testing;

namespace Wmo.EndToEnd.Tests;

/// <summary>The trigger runtime as separate OS processes: crashes and two instances on one storage account.</summary>
public sealed class RuntimeProcessTests : IClassFixture<AzuriteFixture>
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(60);
    private readonly AzuriteFixture _azurite;
    private readonly StorageClients _client;
    private readonly string _queue = UniqueName.For("probe");
    private readonly string _table = UniqueName.For("probe");
    private readonly string _hostId = UniqueName.For("e2e");

    public RuntimeProcessTests(AzuriteFixture azurite)
    {
        _azurite = azurite;
        _client = azurite.CreateClient();
    }

    private async Task<HostProcess> StartProbeHostAsync(string name, string lease = "00:00:03", string schedule = "0 0 0 1 1 *")
    {
        await _client.GetTable(_table).CreateIfNotExistsAsync();
        var host = HostProcess.Start("tests/Wmo.TestHost", "Wmo.TestHost", new Dictionary<string, string>
        {
            ["AzureWebJobsStorage"] = _azurite.ConnectionString,
            ["ProbeQueue"] = _queue,
            ["TickSchedule"] = schedule,
            ["Probe__Table"] = _table,
            ["Probe__HostName"] = name,
            ["Runtime__HostId"] = _hostId,
            ["Runtime__MessageLease"] = lease,
            ["AzureFunctionsJobHost__extensions__queues__maxPollingInterval"] = "00:00:00.500",
        });
        await host.WaitForOutputAsync("ready pid=", Wait);
        return host;
    }

    private async Task<List<TableEntity>> RowsAsync(string partitionPrefix) =>
        await _client.GetTable(_table)
            .QueryAsync(TableFilter.And(
                TableFilter.GreaterThanOrEqual("PartitionKey", partitionPrefix),
                TableFilter.LessThan("PartitionKey", partitionPrefix + "~")))
            .ToListAsync();

    private static async Task UntilAsync(Func<Task<bool>> condition, string because, params HostProcess[] hosts)
    {
        var clock = Stopwatch.StartNew();
        while (!await condition())
        {
            if (clock.Elapsed > Wait)
            {
                Assert.Fail($"Timed out waiting until {because}.\n" + string.Join("\n----\n", hosts.Select(h => h.Output)));
            }

            await Task.Delay(100);
        }
    }

    [Fact]
    public async Task A_host_killed_with_SIGKILL_while_processing_loses_nothing_the_message_is_processed_after_restart()
    {
        var queue = _client.GetQueue(_queue);
        await queue.CreateIfNotExistsAsync();
        await queue.SendAsync("hang-1");
        using var first = await StartProbeHostAsync("first");
        await UntilAsync(async () => (await RowsAsync("attempt-hang-1")).Count == 1, "the first host started the message", first);

        first.Kill();
        using var second = await StartProbeHostAsync("second");
        await UntilAsync(async () => (await RowsAsync("done-hang-1")).Count == 1, "the restarted host finished the message", second);
        await UntilAsync(async () => await queue.GetApproximateCountAsync() == 0, "the message was deleted", second);

        var done = Assert.Single(await RowsAsync("done-hang-1"));
        Assert.StartsWith("second-", done.RowKey, StringComparison.Ordinal);
        Assert.Equal(2, done.GetWholeNumber("DequeueCount"));
        var poison = _client.GetQueue(_queue + "-poison");
        await poison.CreateIfNotExistsAsync();
        Assert.Equal(0, await poison.GetApproximateCountAsync());
    }

    [Fact]
    public async Task Two_hosts_against_one_storage_account_run_each_timer_occurrence_once()
    {
        using var a = await StartProbeHostAsync("a", schedule: "* * * * * *");
        using var b = await StartProbeHostAsync("b", schedule: "* * * * * *");
        await UntilAsync(async () => (await RowsAsync("tick-")).Count >= 8, "eight occurrences ran", a, b);

        await a.TerminateAsync(TimeSpan.FromSeconds(30));
        await b.TerminateAsync(TimeSpan.FromSeconds(30));

        var ticks = await RowsAsync("tick-");
        Assert.Equal(ticks.Count, ticks.Select(t => t.PartitionKey).Distinct().Count());
        Assert.Single(ticks.Select(t => t.RowKey.Split('-')[0]).Distinct());
    }
}
