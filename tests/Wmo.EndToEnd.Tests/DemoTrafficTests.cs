using System.Text.Json;
using Wmo.Testing;

namespace Wmo.EndToEnd.Tests;

/// <summary>What `./wmo run` does after start-up: post the demo traffic with the sample settings' demo keys.</summary>
public sealed class DemoTrafficTests : IClassFixture<AzuriteFixture>, IAsyncLifetime
{
    private readonly AzuriteFixture _azurite;
    private readonly int _port = AzuriteFixture.FreePort();
    private HostProcess? _host;

    public DemoTrafficTests(AzuriteFixture azurite) => _azurite = azurite;

    public async Task InitializeAsync()
    {
        using var sample = JsonDocument.Parse(File.ReadAllText(Path.Combine(RepoPaths.Root, "local.settings.sample.json")));
        _host = await HostProcess.StartWmoHostAsync(_azurite.ConnectionString, _port, new Dictionary<string, string>
        {
            ["Hub__ApiKeys"] = sample.RootElement.GetProperty("Values").GetProperty("Hub__ApiKeys").GetString()!,
        });
        await _host.WaitForOutputAsync("API key registered for CAK", TimeSpan.FromSeconds(30));
    }

    public Task DisposeAsync()
    {
        _host?.Dispose();
        return Task.CompletedTask;
    }

    [Fact]
    public void The_demo_traffic_is_accepted_with_the_sample_keys_and_loading_it_again_only_finds_duplicates()
    {
        var seed = Random.Shared.Next(100, 999).ToString(System.Globalization.CultureInfo.InvariantCulture); // storage is shared between test classes
        using var first = new StringWriter();
        using var second = new StringWriter();
        using var errors = new StringWriter();

        var exit1 = Wmo.Cli.Cli.Run(["demo", "--url", $"http://127.0.0.1:{_port}", "--clients", "12", "--seed", seed], first, errors);
        var exit2 = Wmo.Cli.Cli.Run(["demo", "--url", $"http://127.0.0.1:{_port}", "--clients", "12", "--seed", seed], second, errors);

        Assert.Equal(0, exit1);
        Assert.Contains("WMO301 202 ×12", first.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(" 409", first.ToString(), StringComparison.Ordinal);
        Assert.Equal(0, exit2);
        Assert.DoesNotContain(" 202", second.ToString(), StringComparison.Ordinal);
        Assert.Empty(errors.ToString());
    }

    [Fact]
    public async Task The_start_page_shows_how_many_received_messages_wait_for_routing()
    {
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{_port}") };

        var html = await http.GetStringAsync("/");

        Assert.Matches(@"wachtend op routering: <strong>\d+</strong>", html);
    }
}
