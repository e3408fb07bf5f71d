using System.Net;
using System.Text.Json;

namespace Wmo.Cli;

/// <summary><c>wmo scan</c> and <c>wmo alerts</c>: the detection scan and the alert list of a running hub.</summary>
internal static class HubCommands
{
    /// <summary>Runs the detection scan for a day (default today); needs an admin key.</summary>
    public static int Scan(string key, Uri url, DateOnly? asOf, TextWriter stdout, TextWriter stderr)
    {
        var path = "/api/admin/scan" + (asOf is { } day ? "?asOf=" + day.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture) : string.Empty);
        var (status, body) = Send(HttpMethod.Post, url, path, key, stderr);
        if (status != HttpStatusCode.OK)
        {
            stderr.WriteLine($"scan failed: {(int)status} {body}");
            return Cli.Invalid;
        }

        using var doc = JsonDocument.Parse(body);
        var r = doc.RootElement;
        stdout.WriteLine($"scan for {r.GetProperty("asOf").GetString()}: {r.GetProperty("due").GetInt32()} due, {r.GetProperty("raised").GetInt32()} alerts raised or updated, {r.GetProperty("resolved").GetInt32()} resolved");
        return Cli.Ok;
    }

    /// <summary>Lists the alerts the key may see, one line each, following pages.</summary>
    /// <param name="filters">Query filters by name (owner, gemeente, aanbieder, rule, severity, status); null values are left out.</param>
    public static int Alerts(string key, Uri url, IReadOnlyDictionary<string, string?> filters, TextWriter stdout, TextWriter stderr)
    {
        var query = string.Join('&', filters.Where(f => f.Value is not null).Select(f => $"{f.Key}={Uri.EscapeDataString(f.Value!)}"));
        string? token = null;
        var count = 0;
        do
        {
            var path = "/api/alerts?pageSize=500" + (query.Length > 0 ? "&" + query : string.Empty) + (token is null ? string.Empty : "&continuationToken=" + Uri.EscapeDataString(token));
            var (status, body) = Send(HttpMethod.Get, url, path, key, stderr);
            if (status != HttpStatusCode.OK)
            {
                stderr.WriteLine($"alerts failed: {(int)status} {body}");
                return Cli.Invalid;
            }

            using var doc = JsonDocument.Parse(body);
            foreach (var a in doc.RootElement.GetProperty("items").EnumerateArray())
            {
                count++;
                stdout.WriteLine($"{a.GetProperty("severity").GetString(),-8} {a.GetProperty("status").GetString(),-12} {a.GetProperty("rule").GetString(),-12} "
                    + $"{a.GetProperty("owner").GetString(),-12} {a.GetProperty("explanation").GetString()}");
            }

            token = doc.RootElement.GetProperty("continuationToken").GetString();
        }
        while (token is not null);
        stdout.WriteLine($"{count} alert(s)");
        return Cli.Ok;
    }

    private static (HttpStatusCode Status, string Body) Send(HttpMethod method, Uri url, string path, string key, TextWriter stderr)
    {
        using var http = new HttpClient { BaseAddress = url, Timeout = TimeSpan.FromMinutes(5) };
        using var request = new HttpRequestMessage(method, path);
        request.Headers.Add("X-Api-Key", key);
        using var response = http.Send(request);
        return (response.StatusCode, response.Content.ReadAsStringAsync().GetAwaiter().GetResult());
    }
}
