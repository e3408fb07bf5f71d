using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Wmo.AzureStorage;
using Wmo.Hub;
using Wmo.Hub.Chain;
using Wmo.Testing;

namespace Wmo.EndToEnd.Tests;

/// <summary>
/// README "Authorisation", cell by cell, through the API and the dashboard of a running host: who may read,
/// acknowledge and close which alert and print its letter, and who may replay, resend to the CAK and run the scan.
/// The expected table is written out here, independently of the code that decides it.
/// </summary>
public sealed partial class AuthorisationTests : IClassFixture<AuthorisationTests.Hub>
{
    private const string G = "0384";
    private const string G2 = "0385";
    private const string S = "42420009";
    private const string S2 = "42420010";

    /// <summary>The callers: name → (party, role, key).</summary>
    private static readonly Dictionary<string, (string Party, string Role, string Key)> Callers = new()
    {
        ["gemeente"] = (G, "Gemeente", "auth-gemeente-0384-key-000"),
        ["gemeente-officer"] = (G, "GemeenteOfficer", "auth-gemeente-officer-0384-key"),
        ["aanbieder"] = (S, "Aanbieder", "auth-aanbieder-42420009-key"),
        ["aanbieder-officer"] = (S, "SupplierOfficer", "auth-aanbieder-officer-4242-key"),
        ["other-aanbieder"] = (S2, "Aanbieder", "auth-aanbieder-42420010-key"),
        ["cak"] = ("CAK", "Cak", "auth-cak-system-key-000000"),
        ["liaison"] = ("liaison", "CakLiaison", "auth-cak-liaison-key-00000"),
        ["admin"] = ("beheer", "Admin", "auth-admin-key-0000000000"),
    };

    /// <summary>The alerts: name → (gemeente, aanbieder, owner, rule).</summary>
    private static readonly Dictionary<string, (string? Gemeente, string? Aanbieder, string Owner, string Rule)> Kinds = new()
    {
        ["gemeente-owned, about the aanbieder (R7)"] = (G, S, G, "R7"),
        ["aanbieder-owned in the gemeente (R3)"] = (G, S, S, "R3-305-laat"),
        ["hub-wide, for the liaison"] = (null, null, Alerts.CakLiaison, "HUB-POISON"),
        ["another gemeente's"] = (G2, null, G2, "R1"),
    };

    /// <summary>Expected read / acknowledge / close / letter per alert and caller ("RACL", a dash where denied).</summary>
    private static readonly Dictionary<(string Alert, string Caller), string> Expected = new()
    {
        [("gemeente-owned, about the aanbieder (R7)", "gemeente")] = "RACL",
        [("gemeente-owned, about the aanbieder (R7)", "gemeente-officer")] = "RACL",
        [("gemeente-owned, about the aanbieder (R7)", "aanbieder")] = "R---",
        [("gemeente-owned, about the aanbieder (R7)", "aanbieder-officer")] = "R---",
        [("gemeente-owned, about the aanbieder (R7)", "other-aanbieder")] = "----",
        [("gemeente-owned, about the aanbieder (R7)", "cak")] = "----",
        [("gemeente-owned, about the aanbieder (R7)", "liaison")] = "RACL",
        [("gemeente-owned, about the aanbieder (R7)", "admin")] = "RACL",
        [("aanbieder-owned in the gemeente (R3)", "gemeente")] = "RA-L",
        [("aanbieder-owned in the gemeente (R3)", "gemeente-officer")] = "RA-L",
        [("aanbieder-owned in the gemeente (R3)", "aanbieder")] = "RAC-",
        [("aanbieder-owned in the gemeente (R3)", "aanbieder-officer")] = "RAC-",
        [("aanbieder-owned in the gemeente (R3)", "other-aanbieder")] = "----",
        [("aanbieder-owned in the gemeente (R3)", "cak")] = "----",
        [("aanbieder-owned in the gemeente (R3)", "liaison")] = "RACL",
        [("aanbieder-owned in the gemeente (R3)", "admin")] = "RACL",
        [("hub-wide, for the liaison", "gemeente")] = "----",
        [("hub-wide, for the liaison", "gemeente-officer")] = "----",
        [("hub-wide, for the liaison", "aanbieder")] = "----",
        [("hub-wide, for the liaison", "aanbieder-officer")] = "----",
        [("hub-wide, for the liaison", "other-aanbieder")] = "----",
        [("hub-wide, for the liaison", "cak")] = "----",
        [("hub-wide, for the liaison", "liaison")] = "RACL",
        [("hub-wide, for the liaison", "admin")] = "RACL",
        [("another gemeente's", "gemeente")] = "----",
        [("another gemeente's", "gemeente-officer")] = "----",
        [("another gemeente's", "aanbieder")] = "----",
        [("another gemeente's", "aanbieder-officer")] = "----",
        [("another gemeente's", "other-aanbieder")] = "----",
        [("another gemeente's", "cak")] = "----",
        [("another gemeente's", "liaison")] = "RACL",
        [("another gemeente's", "admin")] = "RACL",
    };

    private readonly HttpClient _http;
    private readonly HubClient _hub;
    private readonly Alerts _alerts;
    private readonly LedgerStore _ledger;

    public AuthorisationTests(Hub hub)
    {
        _ledger = hub.Ledger;
        _http = hub.Http;
        _hub = new HubClient(_http);
        _alerts = hub.Alerts;
    }

    /// <summary>One host for every cell (a host per case would start 60 processes), with a key for every caller.</summary>
    public sealed class Hub : IAsyncLifetime
    {
        private readonly AzuriteFixture _azurite = new();
        private readonly int _port = AzuriteFixture.FreePort();
        private HostProcess? _host;

        public HttpClient Http { get; } = new() { Timeout = TimeSpan.FromSeconds(30) };

        public Alerts Alerts { get; private set; } = null!;

        public LedgerStore Ledger { get; private set; } = null!;

        public async Task InitializeAsync()
        {
            await _azurite.InitializeAsync();
            Http.BaseAddress = new Uri($"http://127.0.0.1:{_port}");
            _host = await HostProcess.StartWmoHostAsync(_azurite.ConnectionString, _port, new Dictionary<string, string>
            {
                ["Hub__ApiKeys"] = string.Join(";", Callers.Values.Select(c => $"{c.Party}:{c.Role}:{c.Key}")),
            });
            await _host.WaitForOutputAsync("API key registered for beheer", TimeSpan.FromSeconds(30));
            Alerts = new Alerts(_azurite.CreateClient(), TimeProvider.System);
            await Alerts.EnsureTableAsync();
            Ledger = new LedgerStore(_azurite.CreateClient(), "only-for-person-ids-made-here");
            await Ledger.EnsureTableAsync();
        }

        public Task DisposeAsync()
        {
            _host?.Dispose();
            Http.Dispose();
            return Task.CompletedTask;
        }
    }

    /// <summary>
    /// A fresh open alert of the kind, under a rule name of its own (the kind's rule plus a tag): every cell acts on
    /// an untouched alert, and a filter on its rule finds exactly it among the other tests' alerts.
    /// </summary>
    private async Task<Alert> RaiseAsync(string kind)
    {
        var (gemeente, aanbieder, owner, baseRule) = Kinds[kind];
        var subject = "auth-" + Guid.NewGuid().ToString("N");
        var rule = $"{baseRule}-t{subject[^8..]}";
        var now = DateTimeOffset.UtcNow;
        return await _alerts.RaiseAsync(new Alert(Alerts.IdOf(rule, subject, "2026-11"), rule, AlertSeverity.Critical, AlertStatus.Open, owner, subject, "2026-11",
            gemeente, aanbieder, null, null, null, now, now, null, null, "Autorisatietest."));
    }

    private async Task<HttpStatusCode> SendAsync(HttpMethod method, string path, string caller, object? json = null)
    {
        using var request = new HttpRequestMessage(method, path) { Content = json is null ? null : JsonContent.Create(json) };
        request.Headers.Add("X-Api-Key", Callers[caller].Key);
        using var response = await _http.SendAsync(request);
        return response.StatusCode;
    }

    private async Task<bool> SeesAsync(string caller, Alert alert)
    {
        var (status, body) = await _hub.GetJsonAsync(Callers[caller].Key, $"/api/alerts?rule={Uri.EscapeDataString(alert.Rule)}");
        return status == HttpStatusCode.OK && body.GetProperty("items").EnumerateArray().Any(a => a.GetProperty("id").GetString() == alert.Id);
    }

    public static TheoryData<string, string> Cells()
    {
        var cells = new TheoryData<string, string>();
        foreach (var (alert, caller) in Expected.Keys)
        {
            cells.Add(alert, caller);
        }

        return cells;
    }

    [Theory]
    [MemberData(nameof(Cells))]
    public async Task Through_the_API_each_role_reads_acknowledges_closes_and_prints_exactly_what_the_table_says(string kind, string caller)
    {
        var expected = Expected[(kind, caller)];

        var read = await RaiseAsync(kind);
        Assert.Equal(expected[0] == 'R', await SeesAsync(caller, read));

        var acknowledged = await RaiseAsync(kind);
        var ack = await SendAsync(HttpMethod.Post, $"/api/alerts/{acknowledged.Id}/ack", caller, new { note = "Gebeld met de aanbieder." });
        Assert.Equal(expected[1] == 'A' ? HttpStatusCode.OK : expected[0] == 'R' ? HttpStatusCode.Forbidden : HttpStatusCode.NotFound, ack);
        Assert.Equal(expected[1] == 'A' ? AlertStatus.Acknowledged : AlertStatus.Open, (await _alerts.GetAsync(acknowledged.Id))!.Status);

        var closed = await RaiseAsync(kind);
        var close = await SendAsync(HttpMethod.Post, $"/api/alerts/{closed.Id}/ack", caller, new { note = "Opgelost: bericht verstuurd.", resolve = true });
        Assert.Equal(expected[2] == 'C' ? HttpStatusCode.OK : expected[0] == 'R' ? HttpStatusCode.Forbidden : HttpStatusCode.NotFound, close);
        var after = (await _alerts.GetAsync(closed.Id))!;
        Assert.Equal(expected[2] == 'C' ? AlertStatus.Resolved : AlertStatus.Open, after.Status);
        Assert.Equal(expected[2] == 'C' ? "Opgelost: bericht verstuurd." : null, after.Note);

        // This alert has no letter (not an R1 with a person), so who may print letters gets 409 and everyone else 404.
        var letter = await SendAsync(HttpMethod.Get, $"/api/alerts/{read.Id}/brief", caller);
        Assert.Equal(expected[3] == 'L' ? HttpStatusCode.Conflict : HttpStatusCode.NotFound, letter);
    }

    [Theory]
    [InlineData("gemeente", false, false)]
    [InlineData("gemeente-officer", false, false)]
    [InlineData("aanbieder", false, false)]
    [InlineData("aanbieder-officer", false, false)]
    [InlineData("cak", false, false)]
    [InlineData("liaison", false, false)]
    [InlineData("admin", true, true)]
    public async Task Only_the_admin_runs_the_scan_lists_and_replays_poisoned_messages_and_reads_the_storage_meter(string caller, bool scan, bool poison)
    {
        Assert.Equal(scan ? HttpStatusCode.OK : HttpStatusCode.Forbidden, await SendAsync(HttpMethod.Get, "/api/admin/storage-operations", caller));
        Assert.Equal(scan ? HttpStatusCode.OK : HttpStatusCode.Forbidden, await SendAsync(HttpMethod.Post, "/api/admin/scan?asOf=2026-11-02", caller));
        Assert.Equal(poison ? HttpStatusCode.OK : HttpStatusCode.Forbidden, await SendAsync(HttpMethod.Get, "/api/admin/poison", caller));
        Assert.Equal(poison ? HttpStatusCode.NotFound : HttpStatusCode.Forbidden, await SendAsync(HttpMethod.Post, $"/api/admin/poison/{Guid.NewGuid()}/replay", caller));
    }

    /// <summary>
    /// Re-sending a person's WMO405 to the CAK is the gemeente's correction (README "Authorisation"): its own
    /// gemeente's people only; the liaison sees the person but may not send for the gemeente, a supplier and the CAK
    /// system do not see the person at all. A denied call leaves the person's ledger without a new entry.
    /// </summary>
    [Theory]
    [InlineData("gemeente", G, true)]
    [InlineData("gemeente-officer", G, true)]
    [InlineData("admin", G, true)]
    [InlineData("liaison", G, false)]
    [InlineData("aanbieder", G, false)]
    [InlineData("aanbieder-officer", G, false)]
    [InlineData("other-aanbieder", G, false)]
    [InlineData("cak", G, false)]
    [InlineData("gemeente", G2, false)]
    [InlineData("gemeente-officer", G2, false)]
    public async Task Only_the_persons_own_gemeente_and_the_admin_resend_to_the_CAK(string caller, string personsGemeente, bool allowed)
    {
        var personId = Guid.NewGuid().ToString("N");
        await _ledger.ImportStateAsync(personId, ChainState.Empty(personsGemeente, "999990019"));

        var status = await SendAsync(HttpMethod.Post, $"/api/personen/{personId}/cak/opnieuw", caller);

        var entries = await _ledger.EntriesAsync(personId);
        if (allowed)
        {
            Assert.True(status is HttpStatusCode.OK or HttpStatusCode.Accepted, $"{caller}: {status}");
            Assert.Contains(entries, e => e.Bericht == "opnieuw-naar-cak");
        }
        else
        {
            var expected = caller is "liaison" ? HttpStatusCode.Forbidden : HttpStatusCode.NotFound;
            Assert.Equal(expected, status);
            Assert.Empty(entries);
        }
    }

    [Fact]
    public async Task A_note_longer_than_2000_characters_is_refused_whole_through_the_API_and_the_form_and_2000_are_kept_whole()
    {
        var alert = await RaiseAsync("gemeente-owned, about the aanbieder (R7)");
        var tooLong = string.Concat(Enumerable.Repeat("Gebeld. ", 251)); // 2,008 characters

        Assert.Equal(HttpStatusCode.BadRequest, await SendAsync(HttpMethod.Post, $"/api/alerts/{alert.Id}/ack", "gemeente", new { note = tooLong }));
        var (client, csrf) = await SignInAsync("gemeente");
        using (client)
        {
            using var form = await client.PostAsync($"/dashboard/signalen/{alert.Id}/afhandelen", new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["_csrf"] = csrf, ["notitie"] = tooLong, ["afhandeling"] = "behandeling",
            }));
            Assert.Equal(HttpStatusCode.BadRequest, form.StatusCode);
            Assert.Contains("hoogstens 2000 tekens", await form.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        var unchanged = (await _alerts.GetAsync(alert.Id))!;
        Assert.Equal(AlertStatus.Open, unchanged.Status);
        Assert.Null(unchanged.Note);

        var exactly = new string('x', 1999) + "!";
        Assert.Equal(HttpStatusCode.OK, await SendAsync(HttpMethod.Post, $"/api/alerts/{alert.Id}/ack", "gemeente", new { note = exactly }));
        Assert.Equal(exactly, (await _alerts.GetAsync(alert.Id))!.Note);
    }

    [GeneratedRegex("name=\"_csrf\" value=\"([^\"]+)\"")]
    private static partial Regex CsrfField();

    /// <summary>A dashboard session of the caller: its cookie-carrying client and CSRF token.</summary>
    private async Task<(HttpClient Client, string Csrf)> SignInAsync(string caller)
    {
        var client = new HttpClient(new HttpClientHandler { UseCookies = true, AllowAutoRedirect = false }) { BaseAddress = _http.BaseAddress };
        using var login = await DashboardSignIn.SignInAsync(client, Callers[caller].Key);
        Assert.Equal(HttpStatusCode.Redirect, login.StatusCode);
        var page = await client.GetStringAsync("/dashboard/signalen");
        return (client, CsrfField().Match(page).Groups[1].Value);
    }

    [Theory]
    [InlineData("gemeente-owned, about the aanbieder (R7)", "gemeente")]
    [InlineData("gemeente-owned, about the aanbieder (R7)", "aanbieder")]
    [InlineData("gemeente-owned, about the aanbieder (R7)", "aanbieder-officer")]
    [InlineData("gemeente-owned, about the aanbieder (R7)", "liaison")]
    [InlineData("aanbieder-owned in the gemeente (R3)", "gemeente")]
    [InlineData("aanbieder-owned in the gemeente (R3)", "gemeente-officer")]
    [InlineData("aanbieder-owned in the gemeente (R3)", "aanbieder")]
    [InlineData("aanbieder-owned in the gemeente (R3)", "other-aanbieder")]
    [InlineData("hub-wide, for the liaison", "gemeente")]
    [InlineData("hub-wide, for the liaison", "admin")]
    [InlineData("another gemeente's", "gemeente")]
    [InlineData("another gemeente's", "liaison")]
    public async Task Through_the_dashboard_the_form_offers_and_the_server_allows_only_what_the_table_says(string kind, string caller)
    {
        var expected = Expected[(kind, caller)];
        var (client, csrf) = await SignInAsync(caller);
        using var _ = client;

        var closed = await RaiseAsync(kind);
        var page = await client.GetStringAsync($"/dashboard/signalen?regel={Uri.EscapeDataString(closed.Rule)}");
        var row = Regex.Match(page, $"<tr data-alert=\"{closed.Id}\".*?</tr>", RegexOptions.Singleline);
        Assert.Equal(expected[0] == 'R', row.Success);
        Assert.Equal(expected[1] == 'A', row.Value.Contains("afhandelen", StringComparison.Ordinal));
        Assert.Equal(expected[2] == 'C', row.Value.Contains("value=\"opgelost\"", StringComparison.Ordinal));

        // A forged post (the form as a party without the right would have to make it) changes nothing.
        using var post = await client.PostAsync($"/dashboard/signalen/{closed.Id}/afhandelen", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["_csrf"] = csrf, ["notitie"] = "Afgehandeld.", ["afhandeling"] = "opgelost",
        }));
        Assert.Equal(expected[2] == 'C' ? HttpStatusCode.Redirect : expected[0] == 'R' ? HttpStatusCode.Forbidden : HttpStatusCode.NotFound, post.StatusCode);
        Assert.Equal(expected[2] == 'C' ? AlertStatus.Resolved : AlertStatus.Open, (await _alerts.GetAsync(closed.Id))!.Status);
    }
}
