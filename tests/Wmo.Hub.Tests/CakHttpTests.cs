using Azure.Storage.Blobs;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Polly.CircuitBreaker;
using Wmo.AzureStorage;
using Wmo.Hub.Cak;
using Wmo.Testing;

namespace Wmo.Hub.Tests;

/// <summary>The CAK's HTTP leg as composed for production (<see cref="HubHttpClients"/>), against a real local server.</summary>
public sealed class CakHttpTests : IClassFixture<AzuriteFixture>, IDisposable
{
    private readonly ScriptedHttpServer _cak = new();
    private readonly StorageClients _storage;
    private readonly ServiceProvider _services;

    public CakHttpTests(AzuriteFixture azurite)
    {
        _storage = azurite.CreateClient();
        // Production's pipeline with short waits, so a test sees a retry, a timeout and a breaker cycle in seconds.
        var config = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Http:Cak:Retry:Delay"] = "00:00:00.050",
            ["Http:Cak:AttemptTimeout:Timeout"] = "00:00:00.500",
            ["Http:Cak:TotalRequestTimeout:Timeout"] = "00:00:10",
            ["Http:Cak:CircuitBreaker:SamplingDuration"] = "00:00:05",
            ["Cak:BreakDuration"] = "00:00:01",
        }).Build();
        _services = new ServiceCollection().AddLogging().AddHubHttpClients(config).BuildServiceProvider();
    }

    public void Dispose()
    {
        _services.Dispose();
        _cak.Dispose();
    }

    private HttpCakTransport Transport() =>
        new(_services.GetRequiredService<IHttpClientFactory>().CreateClient(HubHttpClients.Cak), _cak.Url, "cak-key");

    private static PendingWmo405 Item(string id = "ABC") => new("r", Guid.NewGuid(), "blob", "0363", id);

    [Fact]
    public async Task A_CAK_that_answers_503_with_Retry_After_is_asked_again_after_that_wait_and_takes_the_message_once()
    {
        _cak.Script = n => n < 2 ? new ScriptedAnswer(503, RetryAfterSeconds: 1) : ScriptedAnswer.Ok;
        var item = Item();

        await Transport().SendAsync(item, item.Identificatie, "<x/>"u8.ToArray(), CancellationToken.None);

        Assert.Equal(3, _cak.Requests);
        Assert.Equal([item.Id.ToString("N")], _cak.Accepted);
        var arrivals = _cak.Arrivals.Order().ToList();
        Assert.True(arrivals[1] - arrivals[0] >= TimeSpan.FromSeconds(0.9), $"second attempt after {arrivals[1] - arrivals[0]}, not after Retry-After");
    }

    [Fact]
    public async Task A_CAK_that_hangs_past_the_attempt_timeout_is_tried_again()
    {
        _cak.Script = n => n == 0 ? new ScriptedAnswer(503, Delay: TimeSpan.FromSeconds(3)) : ScriptedAnswer.Ok;
        var item = Item();

        await Transport().SendAsync(item, item.Identificatie, "<x/>"u8.ToArray(), CancellationToken.None);

        Assert.Equal([item.Id.ToString("N")], _cak.Accepted);
        Assert.Equal(2, _cak.Requests);
    }

    [Fact]
    public async Task When_the_CAK_is_down_the_breaker_opens_and_after_the_break_a_recovered_CAK_gets_the_message()
    {
        var down = true;
        _cak.Script = _ => down ? new ScriptedAnswer(503) : ScriptedAnswer.Ok;
        var transport = Transport();

        await Assert.ThrowsAsync<HttpRequestException>(() => transport.SendAsync(Item("A"), "A", "<x/>"u8.ToArray(), CancellationToken.None));
        var whileDown = _cak.Requests;
        await Assert.ThrowsAsync<BrokenCircuitException>(() => transport.SendAsync(Item("B"), "B", "<x/>"u8.ToArray(), CancellationToken.None));
        Assert.Equal(4, whileDown); // one attempt and three retries, then the circuit opened
        Assert.Equal(whileDown, _cak.Requests); // the open circuit let nothing through

        down = false;
        await Task.Delay(TimeSpan.FromSeconds(1.2)); // the break
        var item = Item("C");
        await transport.SendAsync(item, "C", "<x/>"u8.ToArray(), CancellationToken.None);

        Assert.Equal([item.Id.ToString("N")], _cak.Accepted);
    }

    [Fact]
    public async Task Through_an_outage_the_relay_delivers_every_WMO405_in_order_and_each_exactly_once()
    {
        var outbox = new CakOutbox(_storage, UniqueName.For("cakuit"));
        await outbox.EnsureTableAsync();
        var tracking = new Tracking(_storage, TimeProvider.System);
        await tracking.EnsureTableAsync();
        var alerts = new Alerts(_storage, TimeProvider.System);
        await alerts.EnsureTableAsync();
        var archive = _storage.GetBlobContainer(IntakeOptions.ArchiveContainer);
        await archive.CreateIfNotExistsAsync();
        var ids = new List<Guid>();
        var decided = TimeProvider.System.GetUtcNow();
        for (var i = 0; i < 6; i++)
        {
            var id = Guid.NewGuid();
            ids.Add(id);
            await archive.PutAsync($"test/{id:N}.xml", "<x/>"u8.ToArray(), "application/xml");
            await outbox.EnqueueAsync(id, $"test/{id:N}.xml", "0363", $"I{i}", decided.AddSeconds(i));
        }

        // Two messages go through, then the CAK is down for eight requests (one hangs), then it is back.
        _cak.Script = n => n is >= 2 and < 10 ? new ScriptedAnswer(503, Delay: n == 5 ? TimeSpan.FromSeconds(2) : TimeSpan.Zero) : ScriptedAnswer.Ok;
        var relay = new CakRelay(outbox, Transport(), _storage, tracking, alerts, TimeProvider.System);
        var rounds = new List<RelayRound>();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(30) && await outbox.CountAsync() > 0)
        {
            rounds.Add(await relay.RunAsync());
            await Task.Delay(TimeSpan.FromMilliseconds(300)); // the relay timer's interval, shortened
        }

        Assert.True(ids.Select(i => i.ToString("N")).SequenceEqual(_cak.Accepted),
            $"accepted {string.Join(",", _cak.Accepted.Select(a => ids.FindIndex(i => i.ToString("N") == a)))} after {_cak.Requests} requests; rounds: {string.Join(" | ", rounds)}");
        Assert.Equal(0, await outbox.CountAsync());
        Assert.Contains(rounds, r => r.Error is not null); // the outage was seen, and waited out
    }
}
