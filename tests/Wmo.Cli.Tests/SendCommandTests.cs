using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Wmo.Testing;

namespace Wmo.Cli.Tests;

/// <summary>
/// `wmo send` against a real local HTTP server that behaves like a hub on a bad line: it drops connections, answers 503
/// with Retry-After and 429, then accepts; it knows some files already (409) and refuses broken ones (400/422).
/// </summary>
public sealed class SendCommandTests : IAsyncLifetime
{
    private readonly string _dir = Directory.CreateTempSubdirectory("wmo-send-").FullName;
    private readonly ConcurrentDictionary<string, int> _attempts = new();
    private readonly ConcurrentQueue<string> _order = new();
    private WebApplication _server = null!;
    private string _url = string.Empty;

    /// <summary>What the server does on each attempt for a body containing the key: "drop", "503", "429", or a final status.</summary>
    private readonly Dictionary<string, string[]> _script = new(StringComparer.Ordinal);

    public async Task InitializeAsync()
    {
        var port = AzuriteFixture.FreePort();
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        builder.Logging.ClearProviders();
        _server = builder.Build();
        _server.MapPost("/api/berichten", async (HttpContext http) =>
        {
            using var reader = new StreamReader(http.Request.Body);
            var body = await reader.ReadToEndAsync();
            var name = _script.Keys.Single(k => body.Contains(k, StringComparison.Ordinal));
            var attempt = _attempts.AddOrUpdate(name, 1, (_, n) => n + 1);
            _order.Enqueue(name);
            var steps = _script[name];
            var step = steps[Math.Min(attempt, steps.Length) - 1];
            switch (step)
            {
                case "drop":
                    http.Abort(); // the connection breaks mid-request
                    return;
                case "503":
                    http.Response.Headers.RetryAfter = "1";
                    http.Response.StatusCode = 503;
                    await http.Response.WriteAsJsonAsync(new { title = "Storage unavailable", detail = "retry" });
                    return;
                case "429":
                    http.Response.StatusCode = 429;
                    return;
                case "202":
                    http.Response.StatusCode = 202;
                    await http.Response.WriteAsJsonAsync(new { id = Guid.NewGuid() });
                    return;
                case "409":
                    http.Response.StatusCode = 409;
                    await http.Response.WriteAsJsonAsync(new { detail = "Duplicate", id = Guid.NewGuid() });
                    return;
                case "422":
                    http.Response.StatusCode = 422;
                    await http.Response.WriteAsJsonAsync(new { detail = "rejected", retourCodes = new[] { "0001" } });
                    return;
            }
        });
        await _server.StartAsync();
        _url = $"http://127.0.0.1:{port}";
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }

    private void File(string name, params string[] steps)
    {
        _script[name] = steps;
        System.IO.File.WriteAllText(Path.Combine(_dir, name + ".xml"), $"<Bericht>{name}</Bericht>");
    }

    private (int Exit, string Out, string Err) Send(params string[] extra)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var exit = Cli.Run(["send", _dir, "--key", "k", "--url", _url, "--max-wait", "2", .. extra], stdout, stderr);
        return (exit, stdout.ToString(), stderr.ToString());
    }

    private static List<JsonElement> Report(string path) =>
        [.. System.IO.File.ReadAllLines(path).Select(l => JsonDocument.Parse(l).RootElement)];

    [Fact]
    public void Dropped_connections_503_and_429_are_retried_until_accepted_and_nothing_stops_early()
    {
        File("a-first", "drop", "202");
        File("b-busy", "503", "503", "202");
        File("c-throttled", "429", "202");
        File("d-known", "409");
        File("e-broken", "422");
        var report = Path.Combine(_dir, "..", Path.GetFileName(_dir) + ".report.jsonl");

        var (exit, output, errors) = Send("--report", report);

        Assert.Equal(1, exit); // e-broken was rejected
        Assert.Contains("5 file(s): 3 accepted, 1 rejected, 1 duplicate(s)", output, StringComparison.Ordinal);
        Assert.Contains("rejected e-broken.xml: 422", output, StringComparison.Ordinal);
        Assert.Equal(["a-first", "a-first", "b-busy", "b-busy", "b-busy", "c-throttled", "c-throttled", "d-known", "e-broken"], _order);
        Assert.Contains("5/5", errors, StringComparison.Ordinal);
        Assert.Contains("retrying in", errors, StringComparison.Ordinal);
        var lines = Report(report);
        Assert.Equal(["accepted", "accepted", "accepted", "duplicate", "rejected"], lines.Select(l => l.GetProperty("status").GetString()));
        Assert.All(lines.Take(4), l => Assert.True(l.GetProperty("id").TryGetGuid(out _)));
        Assert.Equal(["0001"], lines[4].GetProperty("codes").EnumerateArray().Select(c => c.GetString()));
        System.IO.File.Delete(report);
    }

    [Fact]
    public void A_hub_that_stays_away_costs_each_file_its_retries_and_a_rerun_with_the_report_sends_only_what_is_missing()
    {
        File("a-ok", "202");
        File("b-down", "503");
        File("c-ok", "202");
        var report = Path.Combine(Path.GetTempPath(), Guid.NewGuid().ToString("N") + ".jsonl");
        try
        {
            var (exit, output, _) = Send("--report", report, "--retries", "2");

            Assert.Equal(1, exit);
            Assert.Contains("3 file(s): 2 accepted, 0 rejected, 0 duplicate(s), 1 not delivered", output, StringComparison.Ordinal);
            Assert.Contains("failed b-down.xml: 503", output, StringComparison.Ordinal);
            Assert.Equal(3, _attempts["b-down"]); // one try and two retries
            Assert.Equal(1, _attempts["c-ok"]); // the next file still went

            _script["b-down"] = ["202"];
            var (again, rerun, _) = Send("--report", report);

            Assert.Equal(0, again);
            Assert.Contains("2 file(s) delivered before", rerun, StringComparison.Ordinal);
            Assert.Contains("1 file(s): 1 accepted", rerun, StringComparison.Ordinal);
            Assert.Equal(1, _attempts["a-ok"]);
            Assert.Equal(1, _attempts["c-ok"]);
        }
        finally
        {
            System.IO.File.Delete(report);
        }
    }

    [Fact]
    public void An_unreachable_hub_is_reported_per_file_not_as_a_crash()
    {
        File("a", "202");
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();

        var exit = Cli.Run(["send", _dir, "--key", "k", "--url", $"http://127.0.0.1:{AzuriteFixture.FreePort()}", "--retries", "1", "--max-wait", "1"], stdout, stderr);

        Assert.Equal(1, exit);
        Assert.Contains("1 not delivered", stdout.ToString(), StringComparison.Ordinal);
        Assert.Contains("unreachable a.xml", stdout.ToString(), StringComparison.Ordinal);
    }
}
