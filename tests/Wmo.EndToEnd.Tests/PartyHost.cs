using System.Globalization;
using Wmo.Testing;

namespace Wmo.EndToEnd.Tests;

/// <summary>
/// A product host with a gemeente, an aanbieder and an admin of its own (random codes, so tests on the shared storage
/// do not see each other's mail), that a test can kill and start again on the same port.
/// </summary>
internal sealed class PartyHost : IDisposable
{
    public const string AdminKey = "e2e-admin-key-000000";
    private readonly AzuriteFixture _azurite;
    private readonly int _port = AzuriteFixture.FreePort();
    private readonly IDictionary<string, string> _settings;
    private readonly List<HostProcess> _hosts = [];

    public PartyHost(AzuriteFixture azurite, IDictionary<string, string>? settings = null)
    {
        _azurite = azurite;
        _settings = settings ?? new Dictionary<string, string>();
        Http.BaseAddress = new Uri($"http://127.0.0.1:{_port}");
        Hub = new HubClient(Http);
    }

    public string Gemeente { get; } = Random.Shared.Next(1000, 9999).ToString(CultureInfo.InvariantCulture);

    public string Aanbieder { get; } = Random.Shared.Next(10_000_000, 99_999_999).ToString(CultureInfo.InvariantCulture);

    public string GemeenteKey => $"e2e-gemeente-{Gemeente}-party-key";

    public string AanbiederKey => $"e2e-aanbieder-{Aanbieder}-party-key";

    public HttpClient Http { get; } = new() { Timeout = TimeSpan.FromSeconds(30) };

    public HubClient Hub { get; }

    public HostProcess Current => _hosts[^1];

    public async Task StartAsync()
    {
        var environment = new Dictionary<string, string>(_settings)
        {
            ["Hub__ApiKeys"] = $"{Gemeente}:Gemeente:{GemeenteKey};{Aanbieder}:Aanbieder:{AanbiederKey};ops:Admin:{AdminKey}",
            ["Runtime__HostId"] = "e2e-party-" + Gemeente,
        };
        var host = await HostProcess.StartWmoHostAsync(_azurite.ConnectionString, _port, environment);
        _hosts.Add(host);
        await host.WaitForOutputAsync("API key registered for ops", TimeSpan.FromSeconds(30));
    }

    /// <summary>SIGKILL the running host and start a new one on the same port.</summary>
    public async Task RestartAfterKillAsync()
    {
        Current.Kill();
        await StartAsync();
    }

    public void Dispose()
    {
        foreach (var host in _hosts)
        {
            host.Dispose();
        }

        Http.Dispose();
    }
}
