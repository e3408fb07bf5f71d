using System.Diagnostics;
using System.Globalization;
using System.Net;
using Wmo.AzureStorage;
using Wmo.Hub.Chain;
using Wmo.Testing;

namespace Wmo.EndToEnd.Tests;

/// <summary>Runs alone: a burst of 1,000 messages on the shared test queue would slow every other test's routing.</summary>
[CollectionDefinition(nameof(BurstCollection), DisableParallelization = true)]
public sealed class BurstCollection;

/// <summary>A host killed (SIGKILL) in the middle of a burst: after a restart every message is routed exactly once.</summary>
[Collection(nameof(BurstCollection))]
public sealed class CrashDuringBurstTests : IClassFixture<AzuriteFixture>, IAsyncLifetime
{
    private const string AdminKey = PartyHost.AdminKey;
    private readonly AzuriteFixture _azurite;
    private readonly PartyHost _party;
    private readonly HubClient _hub;
    private readonly string _gemeente;
    private readonly string _aanbieder;

    public CrashDuringBurstTests(AzuriteFixture azurite)
    {
        _azurite = azurite;
        _party = new PartyHost(azurite, new Dictionary<string, string>
        {
            // Messages a killed host held come back after this lease instead of the default minutes.
            ["Runtime__MessageLease"] = "00:00:05",
        });
        _hub = _party.Hub;
        _gemeente = _party.Gemeente;
        _aanbieder = _party.Aanbieder;
    }

    private string GemeenteKey => _party.GemeenteKey;

    private string AanbiederKey => _party.AanbiederKey;

    public Task InitializeAsync() => _party.StartAsync();

    public Task DisposeAsync()
    {
        _party.Dispose();
        return Task.CompletedTask;
    }

    [Fact]
    public async Task A_host_killed_in_the_middle_of_a_burst_of_1000_messages_routes_every_message_exactly_once()
    {
        const int count = 1000;
        var today = DateOnly.FromDateTime(DateTime.UtcNow).AddDays(-1);
        var messages = Enumerable.Range(0, count)
            .Select(i => ChainMessages.Xml(new ChainMessages(_gemeente, _aanbieder, ChainMessages.RandomBsn(), today).Toewijzing(20_000 + i)))
            .ToList();
        var ids = new Guid[count];
        var next = -1;
        var killed = false;

        // 16 senders; each retries a post that failed because the host was down, as a party's system would.
        async Task SendAsync()
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < count)
            {
                while (true)
                {
                    try
                    {
                        var posted = await _hub.PostAsync(GemeenteKey, messages[i]);
                        if (posted.Status is HttpStatusCode.Accepted or HttpStatusCode.Conflict)
                        {
                            ids[i] = posted.Id;
                            break;
                        }

                        Assert.Equal(HttpStatusCode.ServiceUnavailable, posted.Status);
                    }
                    catch (HttpRequestException)
                    {
                    }
                    catch (TaskCanceledException)
                    {
                    }

                    await Task.Delay(100);
                }

                if (i == count / 2 && !killed)
                {
                    killed = true;
                    await _party.RestartAfterKillAsync();
                }
            }
        }

        await Task.WhenAll(Enumerable.Range(0, 16).Select(_ => Task.Run(SendAsync)));
        Assert.True(killed);

        var storage = _azurite.CreateClient();
        var clock = Stopwatch.StartNew();
        var expected = ids.ToHashSet();
        HashSet<Guid> delivered;
        do
        {
            await Task.Delay(500);
            delivered = (await _hub.MailboxAsync(AanbiederKey)).Select(i => i.GetProperty("id").GetGuid()).ToHashSet();
        }
        while (!expected.IsSubsetOf(delivered) && clock.Elapsed < TimeSpan.FromMinutes(3));

        var (_, poisoned) = await _hub.GetJsonAsync(AdminKey, "/api/admin/poison");
        Assert.True(expected.IsSubsetOf(delivered),
            $"{expected.Except(delivered).Count()} not delivered; poison list: {poisoned}; host output tail: {_party.Current.Output[^Math.Min(3000, _party.Current.Output.Length)..]}");

        Assert.Equal(count, expected.Count);
        Assert.Subset(delivered, expected);
        var extra = (await _hub.MailboxAsync(AanbiederKey)).Where(i => !expected.Contains(i.GetProperty("id").GetGuid())).Select(i => i.ToString()).ToList();
        Assert.True(extra.Count == 0, "unexpected mailbox items: " + string.Join("\n", extra));
        // Exactly once in the ledger: one entry per message in each person's chain, no more.
        var markers = 0;
        await foreach (var row in storage.GetTable(LedgerStore.TableName).QueryAsync(TableFilter.Equal("Bericht", "WMO301")))
        {
            if (row.RowKey.StartsWith("m|", StringComparison.Ordinal) && expected.Contains(Guid.ParseExact(row.RowKey[2..], "N")))
            {
                markers++;
            }
        }

        Assert.Equal(count, markers);
    }
}
