using System.Globalization;
using System.Text.Json;
using Wmo.Cli;
using Wmo.Messages;
using Wmo.Testing;

namespace Wmo.EndToEnd.Tests;

/// <summary>
/// The product as <c>./wmo run</c> starts it, for the dashboard tests: its own Azurite, the CAK simulator, the host on a
/// demo clock with the demo keys, and the demo's months of traffic played in day by day (a smaller stretch: 120
/// clients), then a headless Chromium. Shared by the tests of a class: loading takes a minute or two.
/// </summary>
public sealed class DemoDashboard : IAsyncLifetime
{
    public const int Clients = 120;
    public const int Seed = 1;
    public const string AdminKey = "demo-admin-key-0000";
    public const string LiaisonKey = "demo-cak-liaison-key";
    private readonly int _port = AzuriteFixture.FreePort();
    private readonly int _simulatorPort = AzuriteFixture.FreePort();
    private System.Diagnostics.Process? _azurite;
    private HostProcess? _host;
    private HostProcess? _simulator;

    public HttpClient Http { get; } = new() { Timeout = TimeSpan.FromSeconds(60) };

    public HubClient Hub { get; private set; } = null!;

    public Chromium Browser { get; private set; } = null!;

    public DateOnly Today { get; } = DutchTime.Today(TimeProvider.System);

    public string Url(string path) => $"http://127.0.0.1:{_port}{path}";

    /// <summary>A demo party's key, as local.settings.sample.json registers it.</summary>
    public static string KeyFor(string party) => DemoTraffic.KeyFor(party);

    public async Task InitializeAsync()
    {
        Http.BaseAddress = new Uri(Url("/"));
        Hub = new HubClient(Http);
        var (blob, queue, table) = (AzuriteFixture.FreePort(), AzuriteFixture.FreePort(), AzuriteFixture.FreePort());
        _azurite = AzuriteFixture.StartAzurite(blob, queue, table);
        await AzuriteFixture.WaitForPortsAsync([blob, queue, table], TimeSpan.FromSeconds(30));
        var storage = AzuriteFixture.DevelopmentConnectionString("127.0.0.1", blob, queue, table);

        _simulator = HostProcess.Start("functions/Wmo.CakSimulator", "Wmo.CakSimulator", new Dictionary<string, string>
        {
            ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{_simulatorPort}",
            ["CakSim__HubUrl"] = Url(string.Empty),
            ["CakSim__ApiKey"] = "demo-cak-key-00000",
            ["CakSim__Delay"] = "00:00:00",
            ["CakSim__Reject"] = string.Join(';', DemoScenario.RejectedBsns(Clients, Seed).Select(b => b + ":C001")),
        });
        await _simulator.WaitForOutputAsync("Application started", TimeSpan.FromSeconds(60));

        using var sample = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(RepoPaths.Root, "local.settings.sample.json")));
        var values = sample.RootElement.GetProperty("Values");
        _host = await HostProcess.StartWmoHostAsync(storage, _port, new Dictionary<string, string>
        {
            ["Hub__ApiKeys"] = values.GetProperty("Hub__ApiKeys").GetString()!,
            ["Cak__Policies__0599__Start"] = values.GetProperty("Cak__Policies__0599__Start").GetString()!,
            ["Cak__Policies__Default__Kostprijs"] = values.GetProperty("Cak__Policies__Default__Kostprijs").GetString()!,
            ["Cak__Transport"] = "http",
            ["Cak__Endpoint"] = $"http://127.0.0.1:{_simulatorPort}/api/wmo405",
            ["Cak__Tarieven__2026"] = "2100",
            ["Detection__RetroactiveCapMonths"] = "3",
            ["Demo__Clock"] = "on",
            ["Demo__ClockDaysBack"] = DemoScenario.Days.ToString(CultureInfo.InvariantCulture),
            ["AzureFunctionsJobHost__extensions__queues__maxDequeueCount"] = "1", // the demo's poisoned message at once
        });
        await _host.WaitForOutputAsync("API key registered for beheer", TimeSpan.FromSeconds(30));

        using var cak = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{_simulatorPort}"), Timeout = TimeSpan.FromSeconds(30) };
        var plan = DemoScenario.Generate(Clients, Seed, Today, SchemaRegistry.Load());
        var summary = await new DemoLoader(Http, cak, AdminKey, TextWriter.Null).LoadAsync(plan, DemoScenario.FirstDay(Today), Today, CancellationToken.None);
        Assert.Equal((plan.Count, 0), (summary.Posted, summary.Rejected));
        await DemoPoison.SendAsync(storage, CancellationToken.None);
        await WaitForAsync(async () => (await Hub.GetJsonAsync(AdminKey, "/api/admin/poison")).Body.GetArrayLength() == 1);
        Browser = await Chromium.StartAsync();
    }

    public async Task DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.DisposeAsync();
        }

        _host?.Dispose();
        _simulator?.Dispose();
        AzuriteFixture.Stop(_azurite);
        Http.Dispose();
    }

    public static async Task WaitForAsync(Func<Task<bool>> condition)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (!await condition())
        {
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(90), "timed out");
            await Task.Delay(300);
        }
    }

    /// <summary>Every alert the key may see (the API pages through them).</summary>
    public async Task<List<JsonElement>> AlertsAsync(string key, string query = "")
    {
        var all = new List<JsonElement>();
        string? token = null;
        do
        {
            var (status, body) = await Hub.GetJsonAsync(key, "/api/alerts?pageSize=1000&" + query + (token is null ? "" : "&continuationToken=" + Uri.EscapeDataString(token)));
            Assert.Equal(System.Net.HttpStatusCode.OK, status);
            all.AddRange(body.GetProperty("items").EnumerateArray().Select(e => e.Clone()));
            token = body.TryGetProperty("continuationToken", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString() : null;
        }
        while (token is not null);
        return all;
    }

    public async Task SignInAsync(string key)
    {
        await Browser.ClearCookiesAsync();
        await Browser.GoAsync(Url("/dashboard/inloggen"));
        await Browser.SubmitAsync("form", new Dictionary<string, string> { ["sleutel"] = key });
    }

    public async Task<int> CountAsync(string selector) =>
        (await Browser.EvalAsync($"document.querySelectorAll({JsonSerializer.Serialize(selector)}).length"))!.GetValue<int>();

    /// <summary>A text per element matching <paramref name="selector"/>: <paramref name="expression"/> of element <c>e</c>.</summary>
    public async Task<List<string>> TextsAsync(string selector, string expression = "e.innerText") =>
        [.. (await Browser.EvalAsync($"[...document.querySelectorAll({JsonSerializer.Serialize(selector)})].map(e => {expression})"))!.AsArray().Select(n => n!.GetValue<string>())];

    /// <summary>Loads a dashboard path with the browser's session and returns the HTTP status (direct-URL checks).</summary>
    public async Task<int> StatusAsync(string path) =>
        (await Browser.EvalAsync($"fetch({JsonSerializer.Serialize(path)}, {{ redirect: 'manual' }}).then(r => r.type === 'opaqueredirect' ? 302 : r.status)"))!.GetValue<int>();
}
