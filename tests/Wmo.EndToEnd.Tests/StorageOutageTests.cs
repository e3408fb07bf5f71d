using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Wmo.Testing;

namespace Wmo.EndToEnd.Tests;

/// <summary>
/// Storage going away under a running host (its own Azurite, on disk so it can come back with its data): callers get
/// 503 with Retry-After and the unreachable service, never a 500; when storage is back the same post is accepted.
/// </summary>
public sealed class StorageOutageTests : IAsyncLifetime
{
    private const string Gemeente = "0302";
    private const string Aanbieder = "30230230";
    private const string GemeenteKey = "e2e-outage-gemeente-0302-key";
    private readonly int _port = AzuriteFixture.FreePort();
    private readonly (int Blob, int Queue, int Table) _ports = (AzuriteFixture.FreePort(), AzuriteFixture.FreePort(), AzuriteFixture.FreePort());
    private readonly string _data = Directory.CreateTempSubdirectory("wmo-outage-").FullName;
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(60) };
    private Process? _azurite;
    private HostProcess? _host;

    public async Task InitializeAsync()
    {
        _http.BaseAddress = new Uri($"http://127.0.0.1:{_port}");
        await StartStorageAsync();
        _host = await HostProcess.StartWmoHostAsync(AzuriteFixture.DevelopmentConnectionString("127.0.0.1", _ports.Blob, _ports.Queue, _ports.Table), _port,
            new Dictionary<string, string> { ["Hub__ApiKeys"] = $"{Gemeente}:Gemeente:{GemeenteKey};{Aanbieder}:Aanbieder:e2e-outage-aanbieder-key" });
        await _host.WaitForOutputAsync($"API key registered for {Gemeente}", TimeSpan.FromSeconds(30));
    }

    private async Task StartStorageAsync()
    {
        _azurite = AzuriteFixture.StartAzurite(_ports.Blob, _ports.Queue, _ports.Table, _data);
        await AzuriteFixture.WaitForPortsAsync([_ports.Blob, _ports.Queue, _ports.Table], TimeSpan.FromSeconds(30));
    }

    /// <summary>Stops Azurite as a service stops (SIGTERM), so its disk store keeps what it had: the outage is of the service, not of the data.</summary>
    private void StopStorage()
    {
        using (var term = Process.Start("kill", ["-TERM", _azurite!.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            term.WaitForExit();
        }

        if (!_azurite.WaitForExit(TimeSpan.FromSeconds(20)))
        {
            _azurite.Kill(entireProcessTree: true);
        }

        _azurite.WaitForExit();
        _azurite.Dispose();
        _azurite = null;
    }

    public Task DisposeAsync()
    {
        _host?.Dispose();
        if (_azurite is not null)
        {
            StopStorage();
        }

        _http.Dispose();
        Directory.Delete(_data, recursive: true);
        return Task.CompletedTask;
    }

    private async Task<HttpResponseMessage> PostAsync(byte[] xml)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/berichten") { Content = new ByteArrayContent(xml) };
        request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/xml");
        request.Headers.Add("X-Api-Key", GemeenteKey);
        return await _http.SendAsync(request);
    }

    [Fact]
    public async Task With_storage_down_intake_and_pages_answer_503_with_Retry_After_and_the_service_and_after_it_is_back_the_same_post_is_accepted()
    {
        var chain = new ChainMessages(Gemeente, Aanbieder, ChainMessages.RandomBsn(), DateOnly.FromDateTime(DateTime.UtcNow).AddDays(-1));
        using (var before = await PostAsync(ChainMessages.Xml(chain.Toewijzing(3001))))
        {
            Assert.Equal(HttpStatusCode.Accepted, before.StatusCode);
        }

        StopStorage();
        var message = ChainMessages.Xml(chain.Toewijzing(3002));
        using (var down = await PostAsync(message))
        {
            var body = await down.Content.ReadAsStringAsync();
            Assert.Equal(HttpStatusCode.ServiceUnavailable, down.StatusCode);
            Assert.Equal("application/problem+json", down.Content.Headers.ContentType?.MediaType);
            Assert.NotNull(down.Headers.RetryAfter);
            using var problem = JsonDocument.Parse(body);
            Assert.Contains(problem.RootElement.GetProperty("storage").GetString(), new[] { "blob", "queue", "table" });
            Assert.DoesNotContain("   at ", body, StringComparison.Ordinal);
        }

        using (var messages = new HttpRequestMessage(HttpMethod.Get, "/api/mailbox"))
        {
            messages.Headers.Add("X-Api-Key", GemeenteKey);
            using var mailbox = await _http.SendAsync(messages);
            Assert.Equal(HttpStatusCode.ServiceUnavailable, mailbox.StatusCode);
            Assert.NotNull(mailbox.Headers.RetryAfter);
        }

        using (var health = await _http.GetAsync("/api/health"))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, health.StatusCode);
            using var body = JsonDocument.Parse(await health.Content.ReadAsStringAsync());
            Assert.All(["blob", "queue", "table"], s => Assert.NotEqual("ok", body.RootElement.GetProperty("storage").GetProperty(s).GetString()));
        }

        await StartStorageAsync();
        using var after = await PostAsync(message);
        Assert.True(after.StatusCode == HttpStatusCode.Accepted, $"{after.StatusCode}: {await after.Content.ReadAsStringAsync()}\n{_host!.Output[^Math.Min(6000, _host.Output.Length)..]}");
    }
}
