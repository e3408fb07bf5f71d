using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Wmo.AzureStorage;
using Wmo.Testing;

namespace Wmo.EndToEnd.Tests;

/// <summary>
/// The CAK leg end to end: the host, the CAK simulator as its own process, and an Azurite of this class alone (the
/// CAK relay of other tests' hosts would otherwise take this class's WMO405s).
/// </summary>
public sealed class CakLegTests : IAsyncLifetime
{
    private const string Gemeente = "0518";
    private const string Aanbieder = "51851851";
    private const string GemeenteKey = "e2e-cak-gemeente-0518-key";
    private const string AanbiederKey = "e2e-cak-aanbieder-5185-key";
    private const string CakKey = "e2e-cak-system-key-00000";
    private const string LiaisonKey = "e2e-cak-liaison-key-0000";
    private const string AdminKey = "e2e-cak-admin-key-000000";
    private readonly string _unknownAtCak = ChainMessages.RandomBsn();
    private readonly int _hostPort = AzuriteFixture.FreePort();
    private readonly int _simulatorPort = AzuriteFixture.FreePort();
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(30) };
    private readonly HttpClient _simulatorHttp = new() { Timeout = TimeSpan.FromSeconds(10) };
    private readonly HubClient _hub;
    private readonly DateOnly _today = DateOnly.FromDateTime(DateTime.UtcNow).AddDays(-1);
    private Process? _azurite;
    private string _storage = string.Empty;
    private HostProcess? _host;
    private HostProcess? _simulator;

    public CakLegTests()
    {
        _http.BaseAddress = new Uri($"http://127.0.0.1:{_hostPort}");
        _simulatorHttp.BaseAddress = new Uri($"http://127.0.0.1:{_simulatorPort}");
        _hub = new HubClient(_http);
    }

    public async Task InitializeAsync()
    {
        var (blob, queue, table) = (AzuriteFixture.FreePort(), AzuriteFixture.FreePort(), AzuriteFixture.FreePort());
        _azurite = AzuriteFixture.StartAzurite(blob, queue, table);
        await AzuriteFixture.WaitForPortsAsync([blob, queue, table], TimeSpan.FromSeconds(30));
        _storage = AzuriteFixture.DevelopmentConnectionString("127.0.0.1", blob, queue, table);
        await StartSimulatorAsync();
        _host = await HostProcess.StartWmoHostAsync(_storage, _hostPort, new Dictionary<string, string>
        {
            ["Hub__ApiKeys"] = $"{Gemeente}:Gemeente:{GemeenteKey};{Aanbieder}:Aanbieder:{AanbiederKey};CAK:Cak:{CakKey};liaison:CakLiaison:{LiaisonKey};beheer:Admin:{AdminKey}",
            ["Owners__0518__Naam"] = "Gemeente Sint-Testdam",
            ["Owners__0518__Telefoon"] = "14 0518",
            ["Cak__Tarieven__2026"] = "2200",
            ["Cak__Tarieven__2027"] = "2300",
            ["Cak__Transport"] = "http",
            ["Cak__Endpoint"] = $"http://127.0.0.1:{_simulatorPort}/api/wmo405",
            ["Cak__BreakDuration"] = "00:00:02",
            ["CakRelaySchedule"] = "*/1 * * * * *",
        });
        await _host.WaitForOutputAsync("API key registered for liaison", TimeSpan.FromSeconds(30));
    }

    private async Task StartSimulatorAsync()
    {
        _simulator = HostProcess.Start("functions/Wmo.CakSimulator", "Wmo.CakSimulator", new Dictionary<string, string>
        {
            ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{_simulatorPort}",
            ["CakSim__HubUrl"] = $"http://127.0.0.1:{_hostPort}",
            ["CakSim__ApiKey"] = CakKey,
            ["CakSim__Delay"] = "00:00:01",
            ["CakSim__Reject"] = $"{_unknownAtCak}:C001",
        });
        await _simulator.WaitForOutputAsync("Application started", TimeSpan.FromSeconds(60));
    }

    public Task DisposeAsync()
    {
        _host?.Dispose();
        _simulator?.Dispose();
        AzuriteFixture.Stop(_azurite);
        _http.Dispose();
        _simulatorHttp.Dispose();
        return Task.CompletedTask;
    }

    private ChainMessages Chain(string? bsn = null) => new(Gemeente, Aanbieder, bsn ?? ChainMessages.RandomBsn(), _today);

    /// <summary>The person's id, once routing has applied the first message to the chain (it is asynchronous).</summary>
    private async Task<string> PersonIdAsync(string bsn)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        HttpResponseMessage response;
        while (true)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/api/personen/zoek") { Content = JsonContent.Create(new { bsn, gemeente = Gemeente }) };
            request.Headers.Add("X-Api-Key", LiaisonKey);
            response = await _http.SendAsync(request);
            if (response.StatusCode != HttpStatusCode.NotFound || clock.Elapsed > TimeSpan.FromSeconds(30))
            {
                break;
            }

            response.Dispose();
            await Task.Delay(200);
        }

        using var _ = response;
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.DoesNotContain(bsn, body.ToString(), StringComparison.Ordinal);
        return body.GetProperty("id").GetString()!;
    }

    private async Task<JsonElement> WaitForCakAsync(string personId, Func<JsonElement, bool> until, TimeSpan? timeout = null)
    {
        var view = await PollAsync(async () => (await _hub.GetJsonAsync(LiaisonKey, $"/api/personen/{personId}/cak")).Body, until, timeout ?? TimeSpan.FromSeconds(60));
        return until(view) ? view
            : throw new TimeoutException($"The person's CAK status did not get there: {view}\nhost: {Tail(_host!.Output)}\nsimulator: {Tail(_simulator!.Output)}");
    }

    private Task<List<JsonElement>> WaitForAlertsAsync(string rule, string personId, int count) =>
        PollAsync(async () => (await _hub.GetJsonAsync(GemeenteKey, $"/api/alerts?rule={rule}")).Body.GetProperty("items").EnumerateArray()
            .Where(a => a.GetProperty("persoon").GetString() == personId).ToList(), found => found.Count >= count, TimeSpan.FromSeconds(30));

    /// <summary>Reads until the value is there or the time is up; returns the last value read either way.</summary>
    private static async Task<T> PollAsync<T>(Func<Task<T>> read, Func<T, bool> until, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var value = await read();
            if (until(value) || clock.Elapsed >= timeout)
            {
                return value;
            }

            await Task.Delay(300);
        }
    }

    /// <summary>The console lines logged under the message's BerichtId scope (the simple console prints "=> BerichtId:…" above them).</summary>
    private static List<string> ScopedLines(string output, Guid id)
    {
        var lines = output.Split('\n');
        return [.. lines.Select((line, i) => (line, i))
            .Where(x => x.line.Contains($"BerichtId:{id}", StringComparison.Ordinal) && x.i + 1 < lines.Length)
            .Select(x => lines[x.i + 1].Trim())];
    }

    private static string Tail(string text) => text[^Math.Min(4000, text.Length)..];

    private async Task<List<JsonElement>> ReceivedAtCakAsync() =>
        [.. (await _simulatorHttp.GetFromJsonAsync<JsonElement>("/api/ontvangen")).EnumerateArray()];

    [Fact]
    public async Task A_reported_start_reaches_the_CAK_as_WMO405_and_its_WMO406_marks_the_person_delivered()
    {
        var chain = Chain();
        await _hub.AcceptedAsync(GemeenteKey, chain.Toewijzing(7001));
        var toewijzingWait = await _hub.WaitForItemAsync(AanbiederKey, i => i.GetProperty("bericht").GetString() == "WMO301");
        Assert.Equal("WMO301", toewijzingWait.GetProperty("bericht").GetString());
        var start = await _hub.AcceptedAsync(AanbiederKey, chain.Start(7001, _today.AddDays(-5)));
        var id = await PersonIdAsync(chain.Bsn);

        var view = await WaitForCakAsync(id, v => v.GetProperty("cak").EnumerateArray().Any(c => c.GetProperty("status").GetString() == "accepted"));

        // One correlation scope from intake through routing to the CAK relay: an operator follows the start by its id.
        var scoped = ScopedLines(_host!.Output, start);
        Assert.Contains(scoped, l => l.Contains($"WMO305 {start} accepted from {Aanbieder}", StringComparison.Ordinal));
        Assert.Contains(scoped, l => l.Contains($"WMO305 {start} routed to {Gemeente}", StringComparison.Ordinal));
        Assert.Contains(scoped, l => l.Contains("delivered to the CAK via http", StringComparison.Ordinal));

        var period = Assert.Single(view.GetProperty("cak").EnumerateArray());
        Assert.Equal(_today.AddDays(-5).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), period.GetProperty("begindatum").GetString());
        Assert.Contains(await ReceivedAtCakAsync(), r => r.GetProperty("bsn").GetString() == chain.Bsn);
        var meldingen = view.GetProperty("meldingen").EnumerateArray().Select(m => m.GetProperty("bericht").GetString()).ToList();
        Assert.Equal(["WMO405", "WMO406"], meldingen);
        var wmo405 = period.GetProperty("wmo405").GetGuid();
        var (_, history) = await _hub.GetJsonAsync(GemeenteKey, $"/api/berichten/{wmo405}");
        Assert.Contains(history.GetProperty("links").EnumerateArray(), l => l.GetProperty("relation").GetString() == "answered-by");
    }

    [Fact]
    public async Task A_person_unknown_at_the_CAK_stays_not_delivered_with_the_codes_and_a_resend_is_rejected_again_visibly()
    {
        var chain = Chain(_unknownAtCak);
        await _hub.AcceptedAsync(GemeenteKey, chain.Toewijzing(7002));
        await Task.Delay(500);
        await _hub.AcceptedAsync(AanbiederKey, chain.Start(7002, _today.AddDays(-4)));
        var id = await PersonIdAsync(chain.Bsn);

        var rejected = await WaitForCakAsync(id, v => v.GetProperty("cak").EnumerateArray().Any(c => c.GetProperty("status").GetString() == "rejected"));
        Assert.Equal(["C001"], Assert.Single(rejected.GetProperty("cak").EnumerateArray()).GetProperty("retourCodes").EnumerateArray().Select(c => c.GetString()));

        Assert.Equal(HttpStatusCode.Accepted, await _hub.PostEmptyAsync(GemeenteKey, $"/api/personen/{id}/cak/opnieuw"));
        var loop = await WaitForCakAsync(id, v => v.GetProperty("meldingen").EnumerateArray().Count(m => m.GetProperty("bericht").GetString() == "WMO406") == 2);

        Assert.Equal(["WMO405", "WMO406", "WMO405", "WMO406"], loop.GetProperty("meldingen").EnumerateArray().Select(m => m.GetProperty("bericht").GetString()));
        Assert.All(loop.GetProperty("cak").EnumerateArray(), c => Assert.NotEqual("accepted", c.GetProperty("status").GetString()));
        // Routing raises the R4 alert just after it records the WMO406 in the ledger, so the second may lag a moment.
        var r4 = await WaitForAlertsAsync("R4", id, 2);
        Assert.Equal(2, r4.Count); // one per rejected WMO405
        Assert.All(r4, a => Assert.Contains("C001", a.GetProperty("explanation").GetString()!, StringComparison.Ordinal));
        Assert.All(r4, a => Assert.Equal(Gemeente, a.GetProperty("owner").GetString()));
        using var ack = new HttpRequestMessage(HttpMethod.Post, $"/api/alerts/{r4[0].GetProperty("id").GetString()}/ack")
        {
            Content = JsonContent.Create(new { note = "Persoon aangemeld bij het CAK." }),
        };
        ack.Headers.Add("X-Api-Key", GemeenteKey);
        using var acked = await _http.SendAsync(ack);
        Assert.Equal(HttpStatusCode.OK, acked.StatusCode);
        var (_, aanbiederView) = await _hub.GetJsonAsync(AanbiederKey, "/api/alerts?rule=R4");
        Assert.Empty(aanbiederView.GetProperty("items").EnumerateArray());
        Assert.Equal(HttpStatusCode.NotFound, (await _hub.GetJsonAsync(AanbiederKey, $"/api/personen/{id}/cak")).Status);
    }

    [Fact]
    public async Task With_the_CAK_down_nothing_is_lost_and_after_it_is_back_every_WMO405_arrives_once_and_in_order()
    {
        _simulator!.Kill();
        var chains = Enumerable.Range(0, 3).Select(_ => Chain()).ToList();
        foreach (var (chain, n) in chains.Select((c, n) => (c, n)))
        {
            await _hub.AcceptedAsync(GemeenteKey, chain.Toewijzing(7100 + n));
        }

        await Task.Delay(1500); // the toewijzingen are routed before the starts (else the starts wait for them)
        foreach (var (chain, n) in chains.Select((c, n) => (c, n)))
        {
            await _hub.AcceptedAsync(AanbiederKey, chain.Start(7100 + n, _today.AddDays(-9)));
        }

        await Task.Delay(1500);
        foreach (var (chain, n) in chains.Select((c, n) => (c, n)))
        {
            await _hub.AcceptedAsync(AanbiederKey, chain.Stop(7100 + n, _today.AddDays(-9), _today.AddDays(-2)));
        }

        var storage = StorageClients.FromConnectionString(_storage);
        var pending = new Wmo.Hub.Cak.CakOutbox(storage);
        var clock = Stopwatch.StartNew();
        while (await pending.CountAsync() < 6 && clock.Elapsed < TimeSpan.FromSeconds(60))
        {
            await Task.Delay(300); // three starts and three stops wait for the CAK
        }

        Assert.Equal(6, await pending.CountAsync());
        await Task.Delay(3000); // a few relay rounds fail against the stopped CAK
        var (_, down) = await _hub.GetJsonAsync(LiaisonKey, "/api/alerts?rule=CAK-DELIVERY&status=open");
        Assert.Contains("niet bereikbaar", Assert.Single(down.GetProperty("items").EnumerateArray()).GetProperty("explanation").GetString()!, StringComparison.Ordinal);

        await StartSimulatorAsync();
        clock.Restart();
        while (await pending.CountAsync() > 0 && clock.Elapsed < TimeSpan.FromSeconds(60))
        {
            await Task.Delay(300);
        }

        JsonElement up = default;
        for (clock.Restart(); clock.Elapsed < TimeSpan.FromSeconds(15); await Task.Delay(300))
        {
            (_, up) = await _hub.GetJsonAsync(LiaisonKey, "/api/alerts?rule=CAK-DELIVERY");
            if (up.GetProperty("items").EnumerateArray().All(a => a.GetProperty("status").GetString() == "resolved"))
            {
                break;
            }
        }

        Assert.Equal("resolved", Assert.Single(up.GetProperty("items").EnumerateArray()).GetProperty("status").GetString());
        var received = await ReceivedAtCakAsync();
        foreach (var chain in chains)
        {
            var forPerson = received.Where(r => r.GetProperty("bsn").GetString() == chain.Bsn).OrderBy(r => r.GetProperty("receivedOn").GetDateTimeOffset()).ToList();
            Assert.Equal(2, forPerson.Count);
            Assert.All(forPerson, r => Assert.Equal(1, r.GetProperty("deliveries").GetInt32()));
            var start = Assert.Single(forPerson[0].GetProperty("perioden").EnumerateArray());
            var stop = Assert.Single(forPerson[1].GetProperty("perioden").EnumerateArray());
            Assert.Equal(JsonValueKind.Null, start.GetProperty("einddatum").ValueKind);
            Assert.Equal(_today.AddDays(-2).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), stop.GetProperty("einddatum").GetString());
        }
    }

    private async Task ScanAsync(DateOnly day)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/admin/scan?asOf={day:yyyy-MM-dd}");
        request.Headers.Add("X-Api-Key", AdminKey);
        using var response = await _http.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    private async Task<List<JsonElement>> AlertsAsync(string key, string rule)
    {
        var (status, body) = await _hub.GetJsonAsync(key, $"/api/alerts?rule={rule}");
        Assert.Equal(HttpStatusCode.OK, status);
        return [.. body.GetProperty("items").EnumerateArray()];
    }

    [Fact]
    public async Task Over_simulated_months_a_late_start_raises_R3_for_the_supplier_then_R1_warning_and_critical_until_the_CAK_accepts_and_all_resolve()
    {
        _simulator!.Kill(); // the CAK is not answering: the start waits, and the months stack
        var calendar = new Wmo.Hub.Detection.WorkingDays();
        var today = Wmo.Messages.DutchTime.Today(TimeProvider.System);
        var chain = new ChainMessages(Gemeente, Aanbieder, ChainMessages.RandomBsn(), today);
        var ingang = today.AddDays(-40);
        var toewijzing = chain.Toewijzing(7300);
        toewijzing = toewijzing with { Client = toewijzing.Client with { ToegewezenProducten =
            [toewijzing.Client.ToegewezenProducten[0] with { Ingangsdatum = ingang, Toewijzingsdatum = ingang.AddDays(-5) }] } };
        await _hub.AcceptedAsync(GemeenteKey, toewijzing);
        await _hub.WaitForItemAsync(AanbiederKey, i => i.GetProperty("bericht").GetString() == "WMO301");

        // 1. Day by day: the missing start becomes an alert for the supplier the working day after the 5th after receipt
        //    (OP271: day 5 itself is still on time).
        var deadline = calendar.MissedFrom(today, 5);
        for (var day = today; day <= deadline; day = day.AddDays(1))
        {
            await ScanAsync(day);
            var missing = await AlertsAsync(AanbiederKey, "R3-305");
            Assert.Equal(day < deadline ? 0 : 1, missing.Count);
        }

        // 2. The supplier reports the start, 40 days after it began: late on receipt, and the missing-start alert resolves.
        await _hub.AcceptedAsync(AanbiederKey, chain.Start(7300, ingang));
        var late = Assert.Single(await WaitForAlertsAsync(AanbiederKey, "R3-305-laat"));
        Assert.Equal((Aanbieder, "critical"), (late.GetProperty("owner").GetString(), late.GetProperty("severity").GetString()));
        await ScanAsync(deadline.AddDays(1));
        Assert.Equal("resolved", Assert.Single(await AlertsAsync(AanbiederKey, "R3-305")).GetProperty("status").GetString());

        // 3. The CAK has no accepted start: month by month the stack grows, warning at 2 months and critical beyond.
        var firstBilled = new DateOnly(ingang.Year, ingang.Month, 1).AddMonths(1);
        var critical = firstBilled.AddMonths(2);
        JsonElement? r1 = null;
        for (var day = deadline.AddDays(1); day <= critical; day = day.AddDays(1))
        {
            await ScanAsync(day);
            var months = ((day.Year - firstBilled.Year) * 12) + day.Month - firstBilled.Month + 1;
            var alerts = await AlertsAsync(GemeenteKey, "R1");
            if (months < 2)
            {
                Assert.Empty(alerts);
                continue;
            }

            r1 = Assert.Single(alerts);
            Assert.Equal(months, r1.Value.GetProperty("monthsAtRisk").GetInt32());
            Assert.Equal(months > 2 ? "critical" : "warning", r1.Value.GetProperty("severity").GetString());
            var tariffs = Wmo.Hub.Cak.Tariffs.With([new(2026, 2200), new(2027, 2300)]);
            var expected = Enumerable.Range(0, months).Sum(m => tariffs.For(firstBilled.AddMonths(m).Year) ?? 0);
            Assert.Equal(expected, r1.Value.GetProperty("amountAtRiskCents").GetInt64());
        }

        Assert.Equal("critical", r1!.Value.GetProperty("severity").GetString());
        Assert.NotEmpty(await AlertsAsync(GemeenteKey, "R2"));

        // 4. The critical risk comes with a letter for the resident: the gemeente and the CAK liaison get it, the supplier does not.
        var letter = r1.Value.GetProperty("letter").GetString()!;
        var (letterStatus, html) = await _hub.GetTextAsync(GemeenteKey, letter);
        Assert.Equal(HttpStatusCode.OK, letterStatus);
        Assert.Contains($"{r1.Value.GetProperty("monthsAtRisk").GetInt32()} maanden", html, StringComparison.Ordinal);
        Assert.Contains("Gemeente Sint-Testdam", html, StringComparison.Ordinal);
        Assert.DoesNotContain(chain.Bsn, html, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, (await _hub.GetTextAsync(AanbiederKey, letter)).Status);

        // 5. The CAK is back, accepts the WMO405: the next scan resolves the stack and art. 2f alerts.
        await StartSimulatorAsync();
        await WaitForCakAsync(await PersonIdAsync(chain.Bsn), v => v.GetProperty("cak").EnumerateArray().Any(c => c.GetProperty("status").GetString() == "accepted"));
        await ScanAsync(critical.AddDays(1));
        Assert.Equal("resolved", Assert.Single(await AlertsAsync(GemeenteKey, "R1")).GetProperty("status").GetString());
        Assert.All(await AlertsAsync(GemeenteKey, "R2"), a => Assert.Equal("resolved", a.GetProperty("status").GetString()));
        Assert.Equal(HttpStatusCode.Conflict, (await _hub.GetTextAsync(GemeenteKey, letter)).Status);
    }

    private async Task<List<JsonElement>> WaitForAlertsAsync(string key, string rule)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(30))
        {
            if (await AlertsAsync(key, rule) is { Count: > 0 } found)
            {
                return found;
            }

            await Task.Delay(300);
        }

        throw new TimeoutException($"No {rule} alert appeared.\nhost: {Tail(_host!.Output)}");
    }
}
