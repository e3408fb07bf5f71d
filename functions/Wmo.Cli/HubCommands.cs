using System.Net;
using System.Text.Json;

namespace Wmo.Cli;

/// <summary><c>wmo scan</c> and <c>wmo alerts</c>: the detection scan and the alert list of a running hub.</summary>
internal static class HubCommands
{
    /// <summary>
    /// The options every hub command takes (<c>--key</c>, <c>--url</c>), the named ones it adds, and at most one
    /// positional argument when <paramref name="positional"/> allows it.
    /// </summary>
    internal static (string? Key, Uri Url, Dictionary<string, string> Options, string? Positional) Parse(string[] args, bool positional, params string[] names)
    {
        string? key = null;
        string? path = null;
        var url = SendCommand.DefaultUrl;
        var options = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--key":
                    key = Cli.Value(args, ref i);
                    break;
                case "--url":
                    url = Cli.Value(args, ref i);
                    break;
                case var name when names.Contains(name):
                    options[name.TrimStart('-')] = Cli.Value(args, ref i);
                    break;
                case var value when positional && path is null && !value.StartsWith("--", StringComparison.Ordinal):
                    path = value;
                    break;
                default:
                    throw new Cli.UsageException($"unexpected argument '{args[i]}'");
            }
        }

        return Uri.TryCreate(url, UriKind.Absolute, out var uri) ? (key, uri, options, path) : throw new Cli.UsageException($"--url '{url}' is not an absolute URL");
    }

    /// <summary>Runs the detection scan for a day (default today); needs an admin key.</summary>
    public static int Scan(string[] args, TextWriter stdout, TextWriter stderr)
    {
        var (key, url, options, _) = Parse(args, positional: false, "--as-of");
        if (key is null)
        {
            throw new Cli.UsageException("scan needs --key KEY (an admin key)");
        }

        var path = "/api/admin/scan" + (options.TryGetValue("as-of", out var asOf) ? "?asOf=" + Uri.EscapeDataString(asOf) : string.Empty);
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
    public static int Alerts(string[] args, TextWriter stdout, TextWriter stderr)
    {
        var filters = new[] { "--owner", "--gemeente", "--aanbieder", "--rule", "--severity", "--status" };
        var (key, url, options, _) = Parse(args, positional: false, filters);
        if (key is null)
        {
            throw new Cli.UsageException("alerts needs --key KEY");
        }

        var query = string.Join('&', options.Select(o => $"{o.Key}={Uri.EscapeDataString(o.Value)}"));
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
