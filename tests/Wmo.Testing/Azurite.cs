using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Wmo.AzureStorage;
using Xunit;

namespace Wmo.Testing;

/// <summary>
/// A real Azurite for integration tests. The test command starts one and passes its connection string in
/// <c>WMO_TEST_STORAGE</c>; when tests are started some other way (IDE, plain dotnet test), one Azurite is
/// started per test process on free ports (data in a temporary folder) from the repository's node_modules and stopped when the process ends.
/// Use it as a class fixture: test classes share the one emulator and still run in parallel (names are unique).
/// </summary>
public sealed class AzuriteFixture : IAsyncLifetime
{
    public const string ConnectionVariable = "WMO_TEST_STORAGE";

    private static readonly Lazy<Task<string>> Shared = new(StartOrReuseAsync);
    private static Process? _process;

    public string ConnectionString { get; private set; } = string.Empty;

    public StorageClients CreateClient(Action<Azure.Core.ClientOptions>? configure = null) => StorageClients.FromConnectionString(ConnectionString, configure);

    public async Task InitializeAsync() => ConnectionString = await Shared.Value;

    public Task DisposeAsync() => Task.CompletedTask;

    private static async Task<string> StartOrReuseAsync()
    {
        var fromEnvironment = Environment.GetEnvironmentVariable(ConnectionVariable);
        if (!string.IsNullOrWhiteSpace(fromEnvironment))
        {
            return fromEnvironment;
        }

        var (blob, queue, table) = (FreePort(), FreePort(), FreePort());
        _process = StartAzurite(blob, queue, table);
        AppDomain.CurrentDomain.ProcessExit += (_, _) => Stop(_process);
        await WaitForPortsAsync([blob, queue, table], TimeSpan.FromSeconds(30));
        return DevelopmentConnectionString("127.0.0.1", blob, queue, table);
    }

    /// <summary>Starts an Azurite with a throw-away data folder on the given ports (the caller stops it with <see cref="Stop"/>).</summary>
    /// <param name="location">Azurite's data folder; a fresh temporary one when null (give the same one to restart it with its data).</param>
    public static Process StartAzurite(int blobPort, int queuePort, int tablePort, string? location = null)
    {
        var azurite = Path.Combine(RepoPaths.Root, "node_modules", ".bin", "azurite");
        if (!File.Exists(azurite))
        {
            throw new InvalidOperationException($"Azurite not found at {azurite}. Run 'npm ci' in the repository root or use './wmo test'.");
        }

        var start = new ProcessStartInfo(azurite)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[]
                 {
                     "--silent", "--disableTelemetry",
                     // The Azure SDKs speak a newer service version than any Azurite knows.
                     "--skipApiVersionCheck",
                     // A throw-away disk store: under sustained queue load the in-memory store was seen to stall.
                     "--location", location ?? Directory.CreateTempSubdirectory("wmo-azurite-").FullName,
                     "--blobHost", "127.0.0.1", "--blobPort", blobPort.ToString(CultureInfo.InvariantCulture),
                     "--queueHost", "127.0.0.1", "--queuePort", queuePort.ToString(CultureInfo.InvariantCulture),
                     "--tableHost", "127.0.0.1", "--tablePort", tablePort.ToString(CultureInfo.InvariantCulture),
                 })
        {
            start.ArgumentList.Add(arg);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start Azurite.");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    /// <summary>A connection string for an Azurite on custom ports (the well-known, public development account key).</summary>
    public static string DevelopmentConnectionString(string host, int blobPort, int queuePort, int tablePort) =>
        "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;" +
        "AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;" +
        $"BlobEndpoint=http://{host}:{blobPort}/devstoreaccount1;QueueEndpoint=http://{host}:{queuePort}/devstoreaccount1;" +
        $"TableEndpoint=http://{host}:{tablePort}/devstoreaccount1;";

    public static void Stop(Process? process)
    {
        if (process is { HasExited: false })
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit(5000);
        }
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public static async Task WaitForPortsAsync(IEnumerable<int> ports, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        foreach (var port in ports)
        {
            while (true)
            {
                try
                {
                    using var client = new TcpClient();
                    await client.ConnectAsync(IPAddress.Loopback, port);
                    break;
                }
                catch (SocketException) when (clock.Elapsed < timeout)
                {
                    await Task.Delay(100);
                }
            }
        }
    }
}

public static class RepoPaths
{
    private static readonly Lazy<string> RootPath = new(() =>
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Integration.sln")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("Repository root (Integration.sln) not found above " + AppContext.BaseDirectory);
    });

    public static string Root => RootPath.Value;
}

public static class UniqueName
{
    /// <summary>A fresh lower-case name valid for queues, containers and (without hyphens) tables.</summary>
    public static string For(string prefix) => prefix + Guid.NewGuid().ToString("N")[..12];
}
