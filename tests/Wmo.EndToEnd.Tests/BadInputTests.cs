using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using Wmo.Testing;

namespace Wmo.EndToEnd.Tests;

/// <summary>
/// Every endpoint's parameters fed boundary and malformed values, as each role: the answer is always a clear 2xx,
/// 3xx or 4xx, never a 500 (README "HTTP endpoints": bad input gets a specific answer and changes nothing).
/// </summary>
public sealed partial class BadInputTests : IClassFixture<BadInputTests.Hub>
{
    private const string G = "0386";
    private const string S = "42420011";

    private static readonly Dictionary<string, string> Keys = new()
    {
        ["gemeente"] = "badinput-gemeente-0386-key",
        ["aanbieder"] = "badinput-aanbieder-4242-key",
        ["liaison"] = "badinput-cak-liaison-key-00",
        ["admin"] = "badinput-admin-key-00000000",
    };

    /// <summary>Values that have broken endpoints before, or could: empty, out of range, overflowing dates, header-breaking and non-ASCII text, huge, markup.</summary>
    private static readonly string[] Values =
    [
        "", "%20", "0", "-1", "2147483648", "99999999999999999999", "abc", "9999-12", "0001-01", "9999-12-31", "0001-01-01",
        "2026-13-45", "2026-02-30", "%C3%A9", "%0d%0a", "x%0d%0aSet-Cookie:%20a=b", "%00", "%FF", "%3Cscript%3E", "'", "..%2F..%2Fetc",
        new string('9', 5000), "true", "null",
    ];

    private readonly Hub _hub;

    public BadInputTests(Hub hub) => _hub = hub;

    public sealed class Hub : IAsyncLifetime
    {
        private readonly AzuriteFixture _azurite = new();
        private readonly int _port = AzuriteFixture.FreePort();
        private HostProcess? _host;

        public HttpClient Http { get; } = new() { Timeout = TimeSpan.FromSeconds(60) };

        public Dictionary<string, HttpClient> Sessions { get; } = [];

        public async Task InitializeAsync()
        {
            await _azurite.InitializeAsync();
            Http.BaseAddress = new Uri($"http://127.0.0.1:{_port}");
            _host = await HostProcess.StartWmoHostAsync(_azurite.ConnectionString, _port, new Dictionary<string, string>
            {
                ["Hub__ApiKeys"] = $"{G}:Gemeente:{Keys["gemeente"]};{S}:Aanbieder:{Keys["aanbieder"]};liaison:CakLiaison:{Keys["liaison"]};beheer:Admin:{Keys["admin"]}",
            });
            await _host.WaitForOutputAsync("API key registered for beheer", TimeSpan.FromSeconds(30));
            foreach (var (role, key) in Keys)
            {
                var client = new HttpClient(new HttpClientHandler { UseCookies = true, AllowAutoRedirect = false }) { BaseAddress = Http.BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
                using var login = await DashboardSignIn.SignInAsync(client, key);
                Assert.Equal(HttpStatusCode.Redirect, login.StatusCode);
                Sessions[role] = client;
            }
        }

        public Task DisposeAsync()
        {
            _host?.Dispose();
            Http.Dispose();
            foreach (var client in Sessions.Values)
            {
                client.Dispose();
            }

            return Task.CompletedTask;
        }

        public string Output => _host!.Output;
    }

    /// <summary>API routes (X-Api-Key) with their query parameters; {id} takes the values too.</summary>
    private static readonly (string Method, string Route, string[] Parameters)[] Api =
    [
        ("GET", "/api/alerts", ["owner", "gemeente", "aanbieder", "rule", "severity", "status", "pageSize", "continuationToken"]),
        ("GET", "/api/mailbox", ["unread", "pageSize", "continuationToken"]),
        ("GET", "/api/mailbox/{id}", []),
        ("POST", "/api/mailbox/{id}/ack", []),
        ("GET", "/api/berichten/{id}", []),
        ("GET", "/api/personen/{id}/cak", []),
        ("POST", "/api/personen/{id}/cak/opnieuw", []),
        ("GET", "/api/alerts/{id}/brief", []),
        ("POST", "/api/alerts/{id}/ack", []),
        ("GET", "/api/levertijden", ["van", "tot", "gemeente", "aanbieder", "perCategorie"]),
        ("POST", "/api/admin/scan", ["asOf"]),
        ("GET", "/api/admin/poison", []),
        ("GET", "/api/admin/storage-operations", []),
        ("POST", "/api/admin/poison/{id}/replay", []),
    ];

    /// <summary>Dashboard pages (session cookie) with their query parameters.</summary>
    private static readonly (string Route, string[] Parameters)[] Pages =
    [
        ("/dashboard", ["sort"]),
        ("/dashboard/signalen", ["eigenaar", "gemeente", "aanbieder", "regel", "ernst", "status", "vanaf"]),
        ("/dashboard/signalen.csv", ["eigenaar", "gemeente", "aanbieder", "regel", "ernst", "status"]),
        ("/dashboard/levertijden", ["van", "tot", "gemeente", "aanbieder"]),
        ("/dashboard/levertijden/rapport", ["maand", "gemeente", "aanbieder"]),
        ("/dashboard/levertijden/rapport.csv", ["maand", "gemeente", "aanbieder"]),
        ("/dashboard/berichten", ["van", "tot", "partij", "type", "status", "na"]),
        ("/dashboard/berichten/{id}", []),
        ("/dashboard/traject/{id}", []),
        ("/dashboard/berichten/poison", []),
    ];

    private static IEnumerable<string> Urls(string route, string[] parameters) =>
        route.Contains("{id}", StringComparison.Ordinal)
            ? Values.Select(v => route.Replace("{id}", v.Length == 0 ? "x" : v, StringComparison.Ordinal))
            : Values.SelectMany(v => parameters.Select(p => $"{route}?{p}={v}"))
                .Concat(parameters.Length > 1 ? [$"{route}?{string.Join("&", parameters.Select(p => p + "=" + Values[9]))}", $"{route}?{string.Join("&", parameters.Select(p => p + "=" + Values[10]))}"] : []);

    private async Task<List<string>> FailuresAsync(IEnumerable<(string Who, Func<Task<HttpResponseMessage>> Send, string What)> requests)
    {
        var failures = new List<string>();
        foreach (var (who, send, what) in requests)
        {
            using var response = await send();
            if ((int)response.StatusCode >= 500)
            {
                failures.Add($"{who} {what} → {(int)response.StatusCode}");
            }
        }

        return failures;
    }

    [Fact]
    public async Task No_API_parameter_value_makes_any_role_get_a_500()
    {
        var requests = from role in Keys.Keys
                       from endpoint in Api
                       from url in Urls(endpoint.Route, endpoint.Parameters)
                       select (role, (Func<Task<HttpResponseMessage>>)(() =>
                       {
                           var request = new HttpRequestMessage(new HttpMethod(endpoint.Method), url);
                           request.Headers.Add("X-Api-Key", Keys[role]);
                           return _hub.Http.SendAsync(request);
                       }), $"{endpoint.Method} {url[..Math.Min(url.Length, 120)]}");

        var failures = await FailuresAsync(requests);

        Assert.True(failures.Count == 0, string.Join("\n", failures.Take(40)) + $"\n({failures.Count} in all)");
    }

    [Fact]
    public async Task No_dashboard_parameter_value_makes_any_role_get_a_500()
    {
        var requests = from role in Keys.Keys
                       from page in Pages
                       from url in Urls(page.Route, page.Parameters)
                       select (role, (Func<Task<HttpResponseMessage>>)(() => _hub.Sessions[role].GetAsync(url)), $"GET {url[..Math.Min(url.Length, 120)]}");

        var failures = await FailuresAsync(requests);

        Assert.True(failures.Count == 0, string.Join("\n", failures.Take(40)) + $"\n({failures.Count} in all)");
    }

    /// <summary>Bodies the endpoints do not expect: none, JSON where a form is expected, a form where JSON is, garbage.</summary>
    private static readonly Func<HttpContent?>[] Bodies =
    [
        () => null,
        () => new StringContent("{\"notitie\":\"x\",\"_csrf\":\"y\"}", Encoding.UTF8, "application/json"),
        () => new FormUrlEncodedContent(new Dictionary<string, string> { ["note"] = "x" }),
        () => new StringContent("{", Encoding.UTF8, "application/json"),
        () => new StringContent("\u0000\u0001garbage", Encoding.UTF8, "text/plain"),
        () => new ByteArrayContent(new byte[300_000]),
    ];

    [Fact]
    public async Task No_unexpected_request_body_makes_a_form_or_JSON_endpoint_answer_500()
    {
        var posts = new[]
        {
            "/dashboard/inloggen", "/dashboard/uitloggen", "/dashboard/signalen/abc/afhandelen", "/dashboard/berichten/poison/abc/opnieuw",
            "/api/alerts/abc/ack", "/api/personen/zoek", "/api/mailbox/abc/ack", "/api/berichten",
        };
        var requests = from role in Keys.Keys
                       from path in posts
                       from body in Bodies.Select((make, i) => (make, i))
                       select (role, (Func<Task<HttpResponseMessage>>)(() =>
                       {
                           var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = body.make() };
                           if (path.StartsWith("/api/", StringComparison.Ordinal))
                           {
                               request.Headers.Add("X-Api-Key", Keys[role]);
                               return _hub.Http.SendAsync(request);
                           }

                           return _hub.Sessions[role].SendAsync(request);
                       }), $"POST {path} body #{body.i}");

        var failures = await FailuresAsync(requests);

        Assert.True(failures.Count == 0, string.Join("\n", failures.Take(40)) + $"\n({failures.Count} in all)");
    }
}
