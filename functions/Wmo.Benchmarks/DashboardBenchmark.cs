using System.Diagnostics;
using System.Globalization;
using System.Net;
using Wmo.AzureStorage;
using Wmo.Hub;
using Wmo.Hub.Detection;

/// <summary>
/// Dashboard pages with a hundred thousand open alerts, on a running host (Release) over HTTP: the backlog and alert
/// pages per role, timed by the host's Server-Timing header (the server's own time) and by the client. Baseline in the
/// same run: the static sign-in page, which touches no storage. The alerts are written straight into storage, spread
/// over 342 gemeenten and 2,000 aanbieders, and the backlog is recomputed once before measuring (timed too).
/// Usage: Wmo.Benchmarks dashboard --url URL --storage CONN [--alerts 100000] [--requests 200] [--output DIR]
/// The host must know the keys bench-admin-key-000000 (Admin), bench-liaison-key-00000 (CakLiaison),
/// bench-gemeente-1000-key (gemeente 1000) and bench-aanbieder-20000000-key (aanbieder 20000000).
/// </summary>
internal static class DashboardBenchmark
{
    public const string AdminKey = "bench-admin-key-000000";
    public const string LiaisonKey = "bench-liaison-key-00000";
    public const string GemeenteKey = "bench-gemeente-1000-key";
    public const string AanbiederKey = "bench-aanbieder-20000000-key";
    private const int Gemeenten = 342;
    private const int Aanbieders = 2000;

    public static async Task<int> RunAsync(string[] args)
    {
        string? Value(string name) => args.SkipWhile(a => a != name).Skip(1).FirstOrDefault();
        var url = Value("--url") ?? throw new ArgumentException("--url of the running host is required");
        var connection = Value("--storage") ?? throw new ArgumentException("--storage <connection string> is required");
        var count = int.Parse(Value("--alerts") ?? "100000", CultureInfo.InvariantCulture);
        var requests = int.Parse(Value("--requests") ?? "200", CultureInfo.InvariantCulture);
        var output = Value("--output");

        var storage = StorageClients.FromConnectionString(connection);
        var alerts = new Alerts(storage, TimeProvider.System);
        await alerts.EnsureTableAsync();
        Console.WriteLine($"Dashboard benchmark: {count:N0} open alerts over {Gemeenten} gemeenten; {requests} requests per page; {Environment.ProcessorCount} cores");
        var clock = Stopwatch.StartNew();
        await alerts.RaiseNewAsync([.. Generate(count)], parallelism: 16);
        Console.WriteLine($"wrote {count:N0} alerts in {clock.Elapsed.TotalSeconds:F0} s");

        using var http = new HttpClient(new HttpClientHandler { UseCookies = false, AllowAutoRedirect = false }) { BaseAddress = new Uri(url), Timeout = TimeSpan.FromMinutes(5) };
        clock.Restart();
        using (var refresh = new HttpRequestMessage(HttpMethod.Post, "/admin/functions/BacklogRefresh"))
        {
            refresh.Headers.Add("X-Api-Key", AdminKey);
            (await http.SendAsync(refresh)).EnsureSuccessStatusCode();
        }

        var recompute = clock.Elapsed.TotalSeconds;
        Console.WriteLine($"backlog recomputed from the alerts in {recompute:F1} s");

        var liaison = await SignInAsync(http, LiaisonKey);
        var gemeente = await SignInAsync(http, GemeenteKey);
        var aanbieder = await SignInAsync(http, AanbiederKey);
        var second = await NextPageAsync(http, liaison);
        var cases = new (string Label, string Path, string? Cookie)[]
        {
            ("baseline: sign-in page (no storage)", "/dashboard/inloggen", null),
            ("backlog, CAK liaison (all gemeenten)", "/dashboard", liaison),
            ("backlog, gemeente", "/dashboard", gemeente),
            ("alerts, CAK liaison, first page", "/dashboard/signalen", liaison),
            ("alerts, CAK liaison, next page", "/dashboard/signalen?vanaf=" + Uri.EscapeDataString(second), liaison),
            ("alerts, CAK liaison, critical only", "/dashboard/signalen?ernst=critical", liaison),
            ("alerts, CAK liaison, one gemeente by urgency", "/dashboard/signalen?gemeente=1001", liaison),
            ("alerts, gemeente (all its alerts, by urgency)", "/dashboard/signalen", gemeente),
            ("alerts, aanbieder", "/dashboard/signalen", aanbieder),
        };

        var lines = new List<string>();
        var results = new List<(string Label, double ServerP50, double ServerP95, double ClientP95, int Rows)>();
        foreach (var (label, path, cookie) in cases)
        {
            var server = new List<double>();
            var client = new List<double>();
            var rows = 0;
            for (var i = 0; i < requests + 5; i++)
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, path);
                if (cookie is not null)
                {
                    request.Headers.Add("Cookie", cookie);
                }

                var started = Stopwatch.GetTimestamp();
                using var response = await http.SendAsync(request);
                var body = await response.Content.ReadAsStringAsync();
                var elapsed = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                if (response.StatusCode != HttpStatusCode.OK)
                {
                    throw new InvalidOperationException($"{path}: {(int)response.StatusCode}");
                }

                if (i < 5)
                {
                    continue; // warm-up
                }

                client.Add(elapsed);
                server.Add(ServerTime(response));
                rows = CountRows(body);
            }

            server.Sort();
            client.Sort();
            results.Add((label, P(server, 0.50), P(server, 0.95), P(client, 0.95), rows));
            Console.WriteLine($"{label}: server p50 {P(server, 0.50):F1} ms, p95 {P(server, 0.95):F1} ms; client p95 {P(client, 0.95):F1} ms; {rows} rows");
        }

        var report = string.Join(Environment.NewLine, new[]
        {
            $"Dashboard benchmark ({DateTime.UtcNow:yyyy-MM-dd}, {Environment.ProcessorCount} cores, Azurite, host in Release): {count:N0} open alerts, {requests} requests per page",
            string.Empty,
            "| page | server p50 | server p95 | client p95 | rows shown |",
            "|---|---|---|---|---|",
        }.Concat(results.Select(r => $"| {r.Label} | {r.ServerP50:F1} ms | {r.ServerP95:F1} ms | {r.ClientP95:F1} ms | {r.Rows} |")).Concat(new[]
        {
            string.Empty,
            $"Backlog recomputed from {count:N0} alerts in {recompute:F1} s (after each scan and every ten minutes, not per page view). Target: server p95 < 300 ms.",
        }));
        Console.WriteLine();
        Console.WriteLine(report);
        if (output is not null)
        {
            Directory.CreateDirectory(output);
            await File.WriteAllTextAsync(Path.Combine(output, "dashboard.md"), report + Environment.NewLine);
        }

        return results.Skip(1).All(r => r.ServerP95 < 300) ? 0 : 1;
    }

    /// <summary>Open alerts as the rules raise them: a mix of rules and severities, stack amounts on R1, spread over 12 weeks.</summary>
    private static IEnumerable<Alert> Generate(int count)
    {
        var random = new Random(42);
        var now = DateTimeOffset.UtcNow;
        string[] rules = [DueRules.Stack, DueRules.Art2f, DueRules.MissingStart, "R3-305-laat", DueRules.MissingStop, AlertRules.CakRejected, DueRules.LateStop];
        for (var i = 0; i < count; i++)
        {
            var gemeente = (1000 + (i % Gemeenten)).ToString(CultureInfo.InvariantCulture);
            var aanbieder = (20_000_000 + (i * 7 % Aanbieders)).ToString(CultureInfo.InvariantCulture);
            var rule = rules[random.Next(rules.Length)];
            var person = Convert.ToHexString(BitConverter.GetBytes((long)i)).ToLowerInvariant().PadLeft(32, '0');
            var months = rule == DueRules.Stack ? 2 + random.Next(8) : (int?)null;
            var detected = now.AddDays(-random.Next(84));
            var owner = rule is DueRules.MissingStart or "R3-305-laat" or DueRules.MissingStop ? aanbieder : gemeente;
            yield return new Alert(Alerts.IdOf(rule, person, "bench"), rule, random.Next(3) == 0 ? AlertSeverity.Critical : AlertSeverity.Warning, AlertStatus.Open, owner,
                person, "bench", gemeente, aanbieder, 5_000_000 + i, "*****" + (i % 10_000).ToString("D4", CultureInfo.InvariantCulture), person, detected, detected.AddDays(-3),
                months, months * 2100, $"Benchmarksignaal {i} ({rule}) voor gemeente {gemeente} en aanbieder {aanbieder}.");
        }
    }

    /// <summary>Signs in as a browser does: the form (its antiforgery token and cookie), then the post; returns the session cookie.</summary>
    private static async Task<string> SignInAsync(HttpClient http, string key)
    {
        using var form = await http.GetAsync("/dashboard/inloggen");
        var page = await form.Content.ReadAsStringAsync();
        var at = page.IndexOf("name=\"_af\" value=\"", StringComparison.Ordinal) + 18;
        var token = page[at..page.IndexOf('"', at)];
        var antiforgery = form.Headers.GetValues("Set-Cookie").First(c => c.StartsWith("wmo_af=", StringComparison.Ordinal)).Split(';')[0];
        using var request = new HttpRequestMessage(HttpMethod.Post, "/dashboard/inloggen")
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string> { ["sleutel"] = key, ["_af"] = token }),
        };
        request.Headers.Add("Cookie", antiforgery);
        using var response = await http.SendAsync(request);
        var cookie = response.Headers.TryGetValues("Set-Cookie", out var values) ? values.FirstOrDefault(v => v.StartsWith("wmo_sessie=", StringComparison.Ordinal))?.Split(';')[0] : null;
        return cookie ?? throw new InvalidOperationException($"Signing in with {key} gave {(int)response.StatusCode} and no session cookie.");
    }

    /// <summary>The continuation of the liaison's first alert page (the "Volgende" link).</summary>
    private static async Task<string> NextPageAsync(HttpClient http, string cookie)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/dashboard/signalen");
        request.Headers.Add("Cookie", cookie);
        using var response = await http.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        var at = body.IndexOf("vanaf=", StringComparison.Ordinal);
        return at < 0 ? string.Empty : Uri.UnescapeDataString(WebUtility.HtmlDecode(body[(at + 6)..body.IndexOf('"', at)]));
    }

    private static double ServerTime(HttpResponseMessage response) =>
        response.Headers.TryGetValues("Server-Timing", out var values) && values.First() is var v && v.IndexOf("dur=", StringComparison.Ordinal) is var at and >= 0
            ? double.Parse(v[(at + 4)..], CultureInfo.InvariantCulture)
            : double.NaN;

    private static int CountRows(string body)
    {
        var rows = 0;
        for (var at = body.IndexOf("<tr data-", StringComparison.Ordinal); at >= 0; at = body.IndexOf("<tr data-", at + 1, StringComparison.Ordinal))
        {
            rows++;
        }

        return rows;
    }

    private static double P(List<double> sorted, double p) => sorted.Count == 0 ? 0 : sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Count) - 1, 0, sorted.Count - 1)];
}
