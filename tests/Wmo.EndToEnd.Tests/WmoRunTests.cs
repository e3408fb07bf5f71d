using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.RegularExpressions;
using Wmo.Testing;

namespace Wmo.EndToEnd.Tests;

/// <summary>
/// <c>./wmo run</c> as a developer types it: options that are checked before anything starts, a second instance
/// beside a first (its port and Azurite's taken), and an empty hub with <c>--no-demo</c> that Ctrl+C stops whole.
/// </summary>
public sealed partial class WmoRunTests
{
    [Theory]
    [InlineData("--port 0", "--port takes a port number")]
    [InlineData("--port 70000", "--port takes a port number")]
    [InlineData("--port abc", "--port takes a port number")]
    [InlineData("--port", "--port takes a port number")]
    [InlineData("--clock-start 2026-13-01", "--clock-start takes a date")]
    [InlineData("--clock-start 1-2-2026", "--clock-start takes a date")]
    [InlineData("--clock-start 2999-01-01", "--clock-start takes a date at least 150 days ago")]
    [InlineData("--no-demo --clock-start 2026-01-01", "no meaning with --no-demo")]
    [InlineData("--demo", "unknown option '--demo'")]
    public async Task A_wrong_option_stops_before_anything_starts_with_exit_code_2_and_names_the_problem(string arguments, string message)
    {
        using var run = HostProcess.StartWmoScript(["run", .. arguments.Split(' ')]);
        Assert.Equal(2, await run.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        Assert.Contains(message, run.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("==> building", run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_taken_port_is_named_with_the_option_that_avoids_it()
    {
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        var port = ((IPEndPoint)taken.LocalEndpoint).Port;

        using var run = HostProcess.StartWmoScript("run", "--port", port.ToString());
        Assert.Equal(1, await run.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        Assert.Contains($"port {port} is taken", run.Output, StringComparison.Ordinal);
        Assert.Contains("--port N", run.Output, StringComparison.Ordinal);
    }

    /// <summary>
    /// With Azurite's own ports taken (as by a first <c>./wmo run</c>), a second one on another port starts on free
    /// storage ports, serves an empty hub on the real clock, and Ctrl+C (SIGTERM) stops the host, the simulator and
    /// Azurite it started.
    /// </summary>
    [Fact]
    public async Task A_second_instance_on_its_own_port_without_demo_serves_an_empty_hub_and_stops_whole()
    {
        var blockers = new List<TcpListener>();
        foreach (var storagePort in new[] { 10000, 10001, 10002 })
        {
            try
            {
                var listener = new TcpListener(IPAddress.Loopback, storagePort);
                listener.Start();
                blockers.Add(listener);
            }
            catch (SocketException)
            {
                // Already taken by something else: just as good for this test.
            }
        }

        var port = AzuriteFixture.FreePort();
        using var run = HostProcess.StartWmoScript("run", "--port", port.ToString(), "--no-demo");
        try
        {
            await run.WaitForOutputAsync($"Dashboard:  http://127.0.0.1:{port}/dashboard", TimeSpan.FromMinutes(6));
            Assert.DoesNotContain("loading demo traffic", run.Output, StringComparison.Ordinal);
            var storage = StorageLine().Match(run.Output);
            Assert.True(storage.Success, run.Output);
            var storagePorts = new[] { storage.Groups[1].Value, storage.Groups[2].Value, storage.Groups[3].Value }.Select(int.Parse).ToList();
            Assert.DoesNotContain(10000, storagePorts);
            Assert.DoesNotContain(10001, storagePorts);
            Assert.DoesNotContain(10002, storagePorts);

            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(30) };
            using (var health = await http.GetAsync("/api/health"))
            {
                Assert.Equal(HttpStatusCode.OK, health.StatusCode);
            }

            Assert.Contains("href=\"/dashboard\"", await http.GetStringAsync("/"), StringComparison.Ordinal);

            // No demo: the liaison (the key ./wmo run's local.settings.json gives) sees no alert and no message.
            var liaisonKey = LiaisonKey();
            using var request = new HttpRequestMessage(HttpMethod.Get, "/api/alerts");
            request.Headers.Add("X-Api-Key", liaisonKey);
            using var alerts = await http.SendAsync(request);
            Assert.Equal(HttpStatusCode.OK, alerts.StatusCode);
            using var body = JsonDocument.Parse(await alerts.Content.ReadAsStringAsync());
            Assert.Empty(body.RootElement.GetProperty("items").EnumerateArray());

            await run.TerminateAsync(TimeSpan.FromSeconds(60));
            Assert.Contains("==> stopping", run.Output, StringComparison.Ordinal);
            foreach (var stopped in storagePorts.Append(port))
            {
                Assert.False(await AnswersAsync(stopped), $"port {stopped} still answers after Ctrl+C");
            }
        }
        finally
        {
            blockers.ForEach(b => b.Stop());
        }
    }

    private static string LiaisonKey()
    {
        using var settings = JsonDocument.Parse(File.ReadAllText(Path.Combine(RepoPaths.Root, "local.settings.json")));
        var keys = settings.RootElement.GetProperty("Values").GetProperty("Hub__ApiKeys").GetString()!;
        return keys.Split(';').Select(k => k.Split(':')).First(k => k[1] == "CakLiaison")[2];
    }

    private static async Task<bool> AnswersAsync(int port)
    {
        using var client = new TcpClient();
        try
        {
            await client.ConnectAsync(IPAddress.Loopback, port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    [GeneratedRegex(@"Azurite at 127\.0\.0\.1:(\d+) \(blob\), :(\d+) \(queue\), :(\d+) \(table\)")]
    private static partial Regex StorageLine();
}
