using System.Net;
using System.Text.Json;
using Wmo.Testing;

namespace Wmo.EndToEnd.Tests;

/// <summary>The product host as a process: what `./wmo run` starts.</summary>
public sealed class WmoHostTests : IClassFixture<AzuriteFixture>, IAsyncLifetime
{
    private readonly AzuriteFixture _azurite;
    private readonly int _port = AzuriteFixture.FreePort();
    private readonly HttpClient _http = new();
    private HostProcess? _host;

    public WmoHostTests(AzuriteFixture azurite)
    {
        _azurite = azurite;
        _http.BaseAddress = new Uri($"http://127.0.0.1:{_port}");
    }

    public async Task InitializeAsync()
    {
        _host = await HostProcess.StartWmoHostAsync(_azurite.ConnectionString, _port);
    }

    public Task DisposeAsync()
    {
        _host?.Dispose();
        _http.Dispose();
        return Task.CompletedTask;
    }

    [Fact]
    public async Task The_health_endpoint_reports_every_storage_service_reachable()
    {
        using var response = await _http.GetAsync("/api/health");
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("Healthy", body.RootElement.GetProperty("status").GetString());
        Assert.All(["blob", "queue", "table"], s => Assert.Equal("ok", body.RootElement.GetProperty("storage").GetProperty(s).GetString()));
    }

    [Fact]
    public async Task The_start_page_is_Dutch_html_that_shows_the_storage_status()
    {
        using var response = await _http.GetAsync("/");
        var html = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("<html lang=\"nl\">", html, StringComparison.Ordinal);
        Assert.Contains("bereikbaar", html, StringComparison.Ordinal);
        Assert.Contains("<a href=\"/dashboard\">", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unknown_api_route_answers_404_as_problem_json_without_internals()
    {
        using var response = await _http.GetAsync("/api/bestaat-niet");
        var body = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.DoesNotContain("   at ", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SIGTERM_stops_the_host_cleanly()
    {
        var exitCode = await _host!.TerminateAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(0, exitCode);
        Assert.Contains("Application is shutting down", _host.Output, StringComparison.Ordinal);
    }
}

/// <summary>The host against storage that refuses it: it must say so, not pretend to be healthy.</summary>
public sealed class WmoHostWithBrokenStorageTests : IClassFixture<AzuriteFixture>
{
    private readonly AzuriteFixture _azurite;

    public WmoHostWithBrokenStorageTests(AzuriteFixture azurite) => _azurite = azurite;

    [Fact]
    public async Task With_a_wrong_account_key_the_health_endpoint_answers_503_naming_the_failure()
    {
        var port = AzuriteFixture.FreePort();
        using var host = await HostProcess.StartWmoHostAsync(
            _azurite.ConnectionString.Replace("AccountKey=Eby8", "AccountKey=Aby8", StringComparison.Ordinal), port);
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };

        using var response = await http.GetAsync("/api/health");
        var body = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Contains("403", body, StringComparison.Ordinal);
    }
}
