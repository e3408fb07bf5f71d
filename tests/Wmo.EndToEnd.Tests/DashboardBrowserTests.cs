using System.Globalization;
using System.Net;
using System.Text.Json;
using Wmo.Storage;
using Wmo.Testing;

namespace Wmo.EndToEnd.Tests;

/// <summary>
/// The dashboard in a real headless Chromium over a running host with its own Azurite: each role signs in with its
/// key, the figures on the pages match the API, an alert is acknowledged through the form, and no role reaches
/// another party's data, direct URLs included. Screenshots go to tests/artifacts/screenshots.
/// </summary>
public sealed class DashboardBrowserTests : IAsyncLifetime
{
    private readonly string _gemeente = Random.Shared.Next(1000, 4999).ToString(CultureInfo.InvariantCulture);
    private readonly string _otherGemeente = Random.Shared.Next(5000, 9999).ToString(CultureInfo.InvariantCulture);
    private readonly string _aanbieder = Random.Shared.Next(10_000_000, 49_999_999).ToString(CultureInfo.InvariantCulture);
    private readonly string _otherAanbieder = Random.Shared.Next(50_000_000, 99_999_999).ToString(CultureInfo.InvariantCulture);
    private string GemeenteKey => $"dash-gemeente-{_gemeente}-key-000";
    private string OtherGemeenteKey => $"dash-gemeente-{_otherGemeente}-key-000";
    private string AanbiederKey => $"dash-aanbieder-{_aanbieder}-key";
    private string OtherAanbiederKey => $"dash-aanbieder-{_otherAanbieder}-key";
    private const string LiaisonKey = "dash-cak-liaison-key-00000";
    private const string AdminKey = "dash-admin-key-0000000000";
    private readonly int _port = AzuriteFixture.FreePort();
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(30) };
    private readonly HubClient _hub;
    private System.Diagnostics.Process? _azurite;
    private HostProcess? _host;
    private Chromium? _browser;

    public DashboardBrowserTests()
    {
        _http.BaseAddress = new Uri($"http://127.0.0.1:{_port}");
        _hub = new HubClient(_http);
    }

    private string Url(string path) => $"http://127.0.0.1:{_port}{path}";

    public async Task InitializeAsync()
    {
        // Its own Azurite: the scan below travels ahead in time, which must not fire other test classes' deadlines.
        var (blob, queue, table) = (AzuriteFixture.FreePort(), AzuriteFixture.FreePort(), AzuriteFixture.FreePort());
        _azurite = AzuriteFixture.StartAzurite(blob, queue, table);
        await AzuriteFixture.WaitForPortsAsync([blob, queue, table], TimeSpan.FromSeconds(30));
        _host = await HostProcess.StartWmoHostAsync(StorageAccount.DevelopmentConnectionString("127.0.0.1", blob, queue, table), _port, new Dictionary<string, string>
        {
            ["Hub__ApiKeys"] = $"{_gemeente}:Gemeente:{GemeenteKey};{_otherGemeente}:Gemeente:{OtherGemeenteKey};{_aanbieder}:Aanbieder:{AanbiederKey};"
                + $"{_otherAanbieder}:Aanbieder:{OtherAanbiederKey};liaison:CakLiaison:{LiaisonKey};ops:Admin:{AdminKey}",
            ["Cak__Tarieven__2026"] = "2200",
            ["Cak__Tarieven__2027"] = "2300",
        });
        await _host.WaitForOutputAsync("API key registered for ops", TimeSpan.FromSeconds(30));

        // Two clients of this gemeente with this aanbieder, one of the other gemeente with the other aanbieder: all
        // started 70 days ago, reported only now, and the CAK has not accepted anything.
        var today = Wmo.Messages.DutchTime.Today(TimeProvider.System);
        var begin = today.AddDays(-70);
        foreach (var (gemeente, gKey, aanbieder, aKey, nummer) in new[]
        {
            (_gemeente, GemeenteKey, _aanbieder, AanbiederKey, 8101L), (_gemeente, GemeenteKey, _aanbieder, AanbiederKey, 8102L),
            (_otherGemeente, OtherGemeenteKey, _otherAanbieder, OtherAanbiederKey, 8201L),
        })
        {
            var chain = new ChainMessages(gemeente, aanbieder, ChainMessages.RandomBsn(), today);
            var t = chain.Toewijzing(nummer);
            await _hub.AcceptedAsync(gKey, t with { Client = t.Client with { ToegewezenProducten = [t.Client.ToegewezenProducten[0] with { Ingangsdatum = begin, Toewijzingsdatum = begin.AddDays(-3) }] } });
            await _hub.WaitForItemAsync(aKey, i => i.GetProperty("bericht").GetString() == "WMO301");
            await _hub.AcceptedAsync(aKey, chain.Start(nummer, begin));
        }

        await WaitForAsync(async () => (await AlertsAsync(LiaisonKey, "rule=R3-305-laat")).Count == 3);
        using var scan = new HttpRequestMessage(HttpMethod.Post, $"/api/admin/scan?asOf={today.AddDays(35):yyyy-MM-dd}");
        scan.Headers.Add("X-Api-Key", AdminKey);
        Assert.Equal(HttpStatusCode.OK, (await _http.SendAsync(scan)).StatusCode);
        _browser = await Chromium.StartAsync();
    }

    public async Task DisposeAsync()
    {
        if (_browser is not null)
        {
            await _browser.DisposeAsync();
        }

        _host?.Dispose();
        AzuriteFixture.Stop(_azurite);
        _http.Dispose();
    }

    private static async Task WaitForAsync(Func<Task<bool>> condition)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (!await condition())
        {
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(60), "timed out");
            await Task.Delay(300);
        }
    }

    private async Task<List<JsonElement>> AlertsAsync(string key, string query = "")
    {
        var (status, body) = await _hub.GetJsonAsync(key, "/api/alerts?pageSize=1000&" + query);
        Assert.Equal(HttpStatusCode.OK, status);
        return [.. body.GetProperty("items").EnumerateArray()];
    }

    private async Task SignInAsync(string key)
    {
        await _browser!.ClearCookiesAsync();
        await _browser.GoAsync(Url("/dashboard/inloggen"));
        await _browser.SubmitAsync("form", new Dictionary<string, string> { ["sleutel"] = key });
    }

    private async Task<int> IntAsync(string selector) =>
        int.Parse((await _browser!.TextAsync(selector)).Replace(".", "", StringComparison.Ordinal), CultureInfo.InvariantCulture);

    [Fact]
    public async Task A_gemeente_sees_its_backlog_with_the_APIs_figures_and_acknowledges_an_alert_through_the_form()
    {
        await _browser!.GoAsync(Url("/dashboard"));
        Assert.Equal("/dashboard/inloggen", await _browser.UrlAsync()); // not signed in
        await _browser.SubmitAsync("form", new Dictionary<string, string> { ["sleutel"] = "not-a-key" });
        Assert.Contains("onbekend", await _browser.TextAsync("[role=alert]"), StringComparison.Ordinal);

        await SignInAsync(GemeenteKey);
        Assert.Equal("/dashboard", await _browser.UrlAsync());
        await _browser.ScreenshotAsync("achterstand-gemeente");
        var pending = (await AlertsAsync(GemeenteKey)).Where(a => a.GetProperty("rule").GetString() is "R1" or "R2" && a.GetProperty("status").GetString() != "resolved").ToList();
        var persons = pending.Select(a => a.GetProperty("persoon").GetString()).Distinct().Count();
        var cents = pending.Where(a => a.GetProperty("rule").GetString() == "R1").Sum(a => a.GetProperty("amountAtRiskCents").GetInt64());
        Assert.Equal(2, persons);
        Assert.Equal(persons, await IntAsync($"tr[data-gemeente='{_gemeente}'] [data-field=personen]"));
        Assert.Equal("€ " + Wmo.Hub.Detection.Scanner.Euro(cents), await _browser.TextAsync($"tr[data-gemeente='{_gemeente}'] [data-field=bedrag]"));
        Assert.Equal(0, (await _browser.EvalAsync($"document.querySelectorAll(\"tr[data-gemeente='{_otherGemeente}']\").length"))!.GetValue<int>());
        Assert.Equal(1, (await _browser.EvalAsync("document.querySelectorAll('svg.trend').length"))!.GetValue<int>());

        await _browser.GoAsync(Url("/dashboard/signalen"));
        var all = await AlertsAsync(GemeenteKey);
        Assert.Equal(all.Count, (await _browser.EvalAsync("document.querySelectorAll('tr[data-alert]').length"))!.GetValue<int>());
        await _browser.ScreenshotAsync("signalen-gemeente");
        var target = all.First(a => a.GetProperty("rule").GetString() == "R1").GetProperty("id").GetString()!;
        await _browser.SubmitAsync($"tr[data-alert='{target}'] form", new Dictionary<string, string> { ["notitie"] = "Gebeld met het CAK; start volgt." });

        var acknowledged = (await AlertsAsync(GemeenteKey)).Single(a => a.GetProperty("id").GetString() == target);
        Assert.Equal(("acknowledged", "Gebeld met het CAK; start volgt."), (acknowledged.GetProperty("status").GetString(), acknowledged.GetProperty("note").GetString()));
        Assert.Contains("in behandeling", await _browser.TextAsync($"tr[data-alert='{target}'] [data-field=status]"), StringComparison.Ordinal);
        var csv = (await _browser.EvalAsync("fetch('/dashboard/signalen.csv?regel=R1').then(r => r.text())"))!.GetValue<string>();
        Assert.Equal(all.Count(a => a.GetProperty("rule").GetString() == "R1") + 1, csv.Split("\r\n", StringSplitOptions.RemoveEmptyEntries).Length);
    }

    [Fact]
    public async Task The_CAK_liaison_sees_every_gemeente_and_a_supplier_only_its_own_alerts_even_by_direct_URL()
    {
        await SignInAsync(LiaisonKey);
        Assert.Equal(1, (await _browser!.EvalAsync($"document.querySelectorAll(\"tr[data-gemeente='{_gemeente}']\").length"))!.GetValue<int>());
        Assert.Equal(1, (await _browser.EvalAsync($"document.querySelectorAll(\"tr[data-gemeente='{_otherGemeente}']\").length"))!.GetValue<int>());
        await _browser.ScreenshotAsync("achterstand-cak-liaison");

        await SignInAsync(AanbiederKey);
        Assert.Equal("/dashboard/signalen", await _browser.UrlAsync()); // suppliers have no CAK backlog
        await _browser.GoAsync(Url($"/dashboard/signalen?gemeente={_otherGemeente}&aanbieder={_otherAanbieder}"));
        var rows = (await _browser.EvalAsync("[...document.querySelectorAll('tr[data-alert] td:nth-child(4)')].map(td => td.innerText).join(',')"))!.GetValue<string>();
        Assert.DoesNotContain(_otherAanbieder, rows, StringComparison.Ordinal);
        await _browser.GoAsync(Url("/dashboard/signalen"));
        var own = await AlertsAsync(AanbiederKey);
        Assert.NotEmpty(own);
        Assert.Equal(own.Count, (await _browser.EvalAsync("document.querySelectorAll('tr[data-alert]').length"))!.GetValue<int>());
        await _browser.ScreenshotAsync("signalen-aanbieder");

        // Another gemeente's alert cannot be acknowledged by this supplier, and a form without the session's token is refused.
        var foreign = (await AlertsAsync(OtherGemeenteKey)).First().GetProperty("id").GetString()!;
        var status = (await _browser.EvalAsync(
            $"(async () => {{ const csrf = document.querySelector('input[name=_csrf]').value; const r = await fetch('/dashboard/signalen/{foreign}/afhandelen', {{ method: 'POST', body: new URLSearchParams({{ _csrf: csrf, notitie: 'x' }}) }}); return r.status; }})()"))!.GetValue<int>();
        var noToken = (await _browser.EvalAsync(
            $"fetch('/dashboard/signalen/{own[0].GetProperty("id").GetString()}/afhandelen', {{ method: 'POST', body: new URLSearchParams({{ notitie: 'x' }}) }}).then(r => r.status)"))!.GetValue<int>();
        Assert.Equal(404, status);
        Assert.Equal(403, noToken);
        Assert.All(await AlertsAsync(OtherGemeenteKey), a => Assert.NotEqual("acknowledged", a.GetProperty("status").GetString()));
    }
}
