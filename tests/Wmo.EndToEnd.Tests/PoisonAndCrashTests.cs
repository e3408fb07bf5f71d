using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json;
using Wmo.AzureStorage;
using Wmo.Hub;
using Wmo.Hub.Chain;
using Wmo.Testing;

namespace Wmo.EndToEnd.Tests;

/// <summary>Failure paths of routing with the real host: poisoned messages and their replay, and a host killed mid-burst.</summary>
public sealed class PoisonAndCrashTests : IClassFixture<AzuriteFixture>, IAsyncLifetime
{
    private const string AdminKey = PartyHost.AdminKey;
    private readonly AzuriteFixture _azurite;
    private readonly PartyHost _party;
    private readonly HubClient _hub;
    private readonly string _gemeente;
    private readonly string _aanbieder;

    public PoisonAndCrashTests(AzuriteFixture azurite)
    {
        _azurite = azurite;
        _party = new PartyHost(azurite, new Dictionary<string, string>
        {
            ["AzureFunctionsJobHost__extensions__queues__visibilityTimeout"] = "00:00:01",
            ["AzureFunctionsJobHost__extensions__queues__maxDequeueCount"] = "2",
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
    public async Task A_message_that_cannot_be_routed_is_listed_with_its_reason_and_replayed_once_after_the_fix()
    {
        var storage = _azurite.CreateClient();
        var chain = new ChainMessages(_gemeente, _aanbieder, ChainMessages.RandomBsn(), DateOnly.FromDateTime(DateTime.UtcNow).AddDays(-1));
        var message = chain.Toewijzing(9001);
        var header = message.Header;
        var id = Intake.MessageId(_gemeente, header);
        var blob = $"{_gemeente}/replay/{id:N}.xml";
        // A reference whose XML is not in the archive (as after a storage incident): routing fails on every attempt.
        var tracking = new Tracking(storage, TimeProvider.System);
        await tracking.TryRegisterAsync(new MessageRecord(id, "WMO301", _gemeente, _aanbieder, header.BerichtIdentificatie.Identificatie,
            header.BerichtIdentificatie.Dagtekening, blob, DateTimeOffset.UtcNow, null, null, Queued: true));
        await storage.GetQueue(IntakeOptions.InboxQueue).SendAsync(JsonSerializer.Serialize(new InboxMessage(id, blob, "WMO301", _gemeente)));

        var poisoned = await WaitForPoisonAsync(id);
        Assert.Contains("not in the archive", poisoned.GetProperty("reason").GetString(), StringComparison.Ordinal);
        var (_, history) = await _hub.GetJsonAsync(AdminKey, $"/api/berichten/{id}");
        Assert.Contains(history.GetProperty("history").EnumerateArray(), s => s.GetProperty("status").GetString() == "poisoned");
        var alert = Assert.Single(await AlertsAsync(), a => a.GetProperty("rule").GetString() == "HUB-POISON" && a.GetProperty("explanation").GetString()!.Contains("WMO301", StringComparison.Ordinal));
        Assert.Equal("open", alert.GetProperty("status").GetString());

        await storage.GetBlobContainer(IntakeOptions.ArchiveContainer).PutAsync(blob, ChainMessages.Xml(message), "application/xml");
        var replay = await _hub.PostEmptyAsync(AdminKey, $"/api/admin/poison/{id}/replay");
        var again = await _hub.PostEmptyAsync(AdminKey, $"/api/admin/poison/{id}/replay");
        var asParty = await _hub.PostEmptyAsync(GemeenteKey, $"/api/admin/poison/{id}/replay");

        Assert.Equal(HttpStatusCode.Accepted, replay);
        Assert.Equal(HttpStatusCode.Conflict, again);
        Assert.Equal(HttpStatusCode.Forbidden, asParty);
        await _hub.WaitForMessageAsync(AanbiederKey, id);
        var (_, after) = await _hub.GetJsonAsync(GemeenteKey, $"/api/berichten/{id}");
        var steps = after.GetProperty("history").EnumerateArray().Select(s => s.GetProperty("status").GetString()).ToList();
        Assert.Contains("replayed", steps);
        Assert.Equal("delivered", steps[^1]);
        var resolved = await WaitForAsync(async () => (await AlertsAsync()).Where(a => a.GetProperty("id").GetString() == alert.GetProperty("id").GetString()
            && a.GetProperty("status").GetString() == "resolved").ToList());
        Assert.Contains("opnieuw aangeboden", resolved.GetProperty("resolution").GetString()!, StringComparison.OrdinalIgnoreCase);
    }

    private async Task<List<JsonElement>> AlertsAsync()
    {
        var (status, body) = await _hub.GetJsonAsync(AdminKey, "/api/alerts?rule=HUB-POISON&pageSize=1000");
        Assert.Equal(HttpStatusCode.OK, status);
        return [.. body.GetProperty("items").EnumerateArray()];
    }

    private static async Task<JsonElement> WaitForAsync(Func<Task<List<JsonElement>>> find)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(30))
        {
            if ((await find()).FirstOrDefault() is { ValueKind: JsonValueKind.Object } found)
            {
                return found;
            }

            await Task.Delay(300);
        }

        throw new TimeoutException("The expected alert did not appear.");
    }

    private async Task<JsonElement> WaitForPoisonAsync(Guid id)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(60))
        {
            var (status, list) = await _hub.GetJsonAsync(AdminKey, "/api/admin/poison");
            Assert.Equal(HttpStatusCode.OK, status);
            foreach (var item in list.EnumerateArray().Where(p => p.GetProperty("id").GetGuid() == id))
            {
                return item;
            }

            await Task.Delay(300);
        }

        throw new TimeoutException("The message was not listed as poisoned.");
    }
}
