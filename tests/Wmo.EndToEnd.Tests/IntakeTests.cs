using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Wmo.AzureStorage;
using Wmo.Testing;

namespace Wmo.EndToEnd.Tests;

/// <summary>POST /api/berichten on the real host process, with the demo-style keys a party gets.</summary>
public sealed class IntakeTests : IClassFixture<AzuriteFixture>, IAsyncLifetime
{
    private const string AanbiederKey = "test-aanbieder-65656055-key";
    private const string OtherAanbiederKey = "test-aanbieder-42420001-key";
    private const string GemeenteKey = "test-gemeente-0384-key-000";
    private readonly AzuriteFixture _azurite;
    private readonly int _port = AzuriteFixture.FreePort();
    private readonly HttpClient _http = new();
    private HostProcess? _host;

    public IntakeTests(AzuriteFixture azurite)
    {
        _azurite = azurite;
        _http.BaseAddress = new Uri($"http://127.0.0.1:{_port}");
    }

    public async Task InitializeAsync()
    {
        _host = await HostProcess.StartWmoHostAsync(_azurite.ConnectionString, _port, new Dictionary<string, string>
        {
            ["Hub__ApiKeys"] = $"65656055:Aanbieder:{AanbiederKey};42420001:Aanbieder:{OtherAanbiederKey};0384:Gemeente:{GemeenteKey}",
        });
        await _host.WaitForOutputAsync("API key registered for 0384", TimeSpan.FromSeconds(30));
    }

    public Task DisposeAsync()
    {
        _host?.Dispose();
        _http.Dispose();
        return Task.CompletedTask;
    }

    private static string Example(string name) =>
        File.ReadAllText(Path.Combine(RepoPaths.Root, "..", "shared", "reference", "iwmo-3.2", "examples", name + ".xml"));

    /// <summary>A copy of an example with its own Identificatie, so tests do not collide in the shared storage.</summary>
    private static string Fresh(string name, string? dagtekening = null)
    {
        var xml = Example(name);
        var start = xml.IndexOf(":Identificatie>", StringComparison.Ordinal) + ":Identificatie>".Length;
        var end = xml.IndexOf('<', start);
        xml = xml[..start] + Guid.NewGuid().ToString("N")[..12] + xml[end..];
        if (dagtekening is not null)
        {
            var d = xml.IndexOf(":Dagtekening>", StringComparison.Ordinal) + ":Dagtekening>".Length;
            xml = xml[..d] + dagtekening + xml[(d + 10)..];
        }

        return xml;
    }

    private async Task<(HttpStatusCode Status, JsonDocument Body, string? ContentType)> PostAsync(string xml, string? key, string contentType = "application/xml")
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/berichten") { Content = new StringContent(xml, Encoding.UTF8) };
        request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        if (key is not null)
        {
            request.Headers.Add("X-Api-Key", key);
        }

        using var response = await _http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, JsonDocument.Parse(text.Length == 0 ? "{}" : text), response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task A_valid_message_is_accepted_archived_and_queued_and_a_repeat_is_a_409_with_the_same_id()
    {
        var xml = Fresh("WMO305");

        var (status, body, _) = await PostAsync(xml, AanbiederKey);
        var (again, duplicate, type) = await PostAsync(xml, AanbiederKey);

        Assert.Equal(HttpStatusCode.Accepted, status);
        Assert.Equal("WMO305", body.RootElement.GetProperty("bericht").GetString());
        Assert.Equal("418", body.RootElement.GetProperty("berichtCode").GetString());
        var id = body.RootElement.GetProperty("id").GetGuid();
        Assert.Equal(HttpStatusCode.Conflict, again);
        Assert.Equal("application/problem+json", type);
        Assert.Equal(id, duplicate.RootElement.GetProperty("id").GetGuid());

        var storage = _azurite.CreateClient();
        // The router may have taken the queue reference already; the intake record names the archived blob.
        var record = await storage.GetTable("berichten").GetAsync(id.ToString("N"), "meta");
        Assert.True(record!.GetBoolean("Queued"));
        var archived = await storage.GetBlobContainer("berichten").GetAsync(record.GetString("Blob")!);
        Assert.Equal(xml, Encoding.UTF8.GetString(archived!.Content));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("not-a-registered-key-at-all")]
    public async Task Without_a_valid_key_the_answer_is_401(string? key)
    {
        var (status, body, type) = await PostAsync(Fresh("WMO305"), key);

        Assert.Equal(HttpStatusCode.Unauthorized, status);
        Assert.Equal("application/problem+json", type);
        Assert.Contains("X-Api-Key", body.RootElement.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_party_cannot_send_as_another_party()
    {
        var (status, body, _) = await PostAsync(Fresh("WMO305"), OtherAanbiederKey);

        Assert.Equal(HttpStatusCode.Forbidden, status);
        Assert.Contains("65656055", body.RootElement.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_supplier_cannot_send_a_gemeente_message()
    {
        var (status, _, _) = await PostAsync(Fresh("WMO319"), AanbiederKey);

        Assert.Equal(HttpStatusCode.Forbidden, status);
    }

    [Fact]
    public async Task A_gemeente_sends_its_own_toewijzing()
    {
        var (status, _, _) = await PostAsync(Fresh("WMO301"), GemeenteKey);

        Assert.Equal(HttpStatusCode.Accepted, status);
    }

    [Theory]
    [InlineData("Application/XML")]
    [InlineData("TEXT/XML; charset=UTF-8")]
    [InlineData("application/xml;charset=utf-8")]
    public async Task Media_types_are_case_insensitive_and_may_carry_parameters(string contentType)
    {
        var (status, _, _) = await PostAsync(Fresh("WMO305"), AanbiederKey, contentType);

        Assert.Equal(HttpStatusCode.Accepted, status);
    }

    [Fact]
    public async Task Another_content_type_is_415()
    {
        var (status, _, _) = await PostAsync(Fresh("WMO305"), AanbiederKey, "text/plain");

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, status);
    }

    [Fact]
    public async Task A_schema_invalid_message_is_400_with_every_error_located()
    {
        var xml = Fresh("WMO305").Replace("<wmo305:Bsn>999900006</wmo305:Bsn>", "<wmo305:Bsn>12</wmo305:Bsn>", StringComparison.Ordinal);

        var (status, body, type) = await PostAsync(xml, AanbiederKey);

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("application/problem+json", type);
        var error = Assert.Single(body.RootElement.GetProperty("errors").EnumerateArray());
        Assert.Equal("/Bericht/Client/Bsn", error.GetProperty("location").GetString());
        Assert.True(error.GetProperty("line").GetInt32() > 0);
    }

    [Fact]
    public async Task A_message_dated_in_the_future_is_422_with_retourcode_8848_and_the_retour()
    {
        var (status, body, _) = await PostAsync(Fresh("WMO305", dagtekening: "2999-01-01"), AanbiederKey);

        Assert.Equal(HttpStatusCode.UnprocessableEntity, status);
        Assert.Equal(["8848"], body.RootElement.GetProperty("retourCodes").EnumerateArray().Select(c => c.GetString()));
        Assert.Contains("<wmo306:RetourCode>8848</wmo306:RetourCode>", body.RootElement.GetProperty("retour").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_body_over_25_MB_is_413()
    {
        var (status, _, _) = await PostAsync(new string(' ', 25_000_001) + Fresh("WMO305"), AanbiederKey);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, status);
    }
}
