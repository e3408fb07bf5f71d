using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;
using Wmo.Testing;

namespace Wmo.EndToEnd.Tests;

/// <summary>A host started as its own OS process, as an operator runs it; output is kept for failure messages.</summary>
internal sealed class HostProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private HostProcess(Process process)
    {
        _process = process;
        _process.OutputDataReceived += (_, e) => Append(e.Data);
        _process.ErrorDataReceived += (_, e) => Append(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>Starts <c>dotnet {project}.dll</c> from the project's build output for the current configuration.</summary>
    public static HostProcess Start(string relativeProjectDir, string assemblyName, IDictionary<string, string> environment)
    {
        var dll = Path.Combine(RepoPaths.Root, relativeProjectDir, "bin", Configuration, "net10.0", assemblyName + ".dll");
        if (!File.Exists(dll))
        {
            throw new FileNotFoundException($"Build output {dll} is missing; build the solution first.");
        }

        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = Path.GetDirectoryName(dll)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(dll);
        start.Environment["DOTNET_NOLOGO"] = "1";
        start.Environment["Logging__Console__FormatterName"] = "simple";
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        return new HostProcess(Process.Start(start)!);
    }

    /// <summary>Starts <c>./wmo</c> with the arguments in the repository root, as a developer types it.</summary>
    public static HostProcess StartWmoScript(params string[] arguments)
    {
        var start = new ProcessStartInfo("bash")
        {
            WorkingDirectory = RepoPaths.Root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("wmo");
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["DOTNET_NOLOGO"] = "1";
        return new HostProcess(Process.Start(start)!);
    }

    /// <summary>Waits for the process to end by itself.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(cts.Token);
        return _process.ExitCode;
    }

    /// <summary>
    /// Starts the product host (functions/Wmo.Host) on a loopback port against the given storage, with a host id of
    /// its own, and waits until it serves requests.
    /// </summary>
    public const string PersonKeySecret = "e2e-person-key";

    public static async Task<HostProcess> StartWmoHostAsync(string storage, int port, IDictionary<string, string>? settings = null)
    {
        var environment = new Dictionary<string, string>
        {
            ["AzureWebJobsStorage"] = storage,
            ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}",
            ["Runtime__HostId"] = "e2e-" + Guid.NewGuid().ToString("N")[..8],
            // Every host on the shared test storage routes whatever is queued, so all must derive the same person
            // ids (as all instances of one deployment do) and retry early routing at the same pace.
            ["Hub__PersonKeySecret"] = PersonKeySecret,
            ["Hub__ChainGrace"] = "00:00:02",
            ["Hub__ChainRetryDelay"] = "00:00:01",
            ["AzureFunctionsJobHost__extensions__queues__maxPollingInterval"] = "00:00:00.500",
            // Tests kill hosts; a message a killed host held returns after this lease, not the production 10 min.
            ["Runtime__MessageLease"] = "00:00:10",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
        {
            environment[key] = value;
        }

        var host = Start("functions/Wmo.Host", "Wmo.Host", environment);
        await host.WaitForOutputAsync("Application started", TimeSpan.FromSeconds(60));
        return host;
    }

    /// <summary>The build configuration these tests were built in (Debug/Release), read off their own path.</summary>
    private static string Configuration => new DirectoryInfo(AppContext.BaseDirectory).Parent!.Name;

    public async Task WaitForOutputAsync(string text, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (!Output.Contains(text, StringComparison.Ordinal))
        {
            if (_process.HasExited || clock.Elapsed > timeout)
            {
                throw new InvalidOperationException($"Host did not print '{text}' (exited: {_process.HasExited}). Output:\n{Output}");
            }

            await Task.Delay(50);
        }
    }

    /// <summary>SIGKILL: no shutdown code runs, as when a machine or container dies.</summary>
    public void Kill()
    {
        _process.Kill(entireProcessTree: true);
        _process.WaitForExit();
    }

    /// <summary>SIGTERM: the graceful stop an orchestrator or Ctrl+C asks for.</summary>
    public async Task<int> TerminateAsync(TimeSpan timeout)
    {
        if (SysKill(_process.Id, 15) != 0)
        {
            throw new InvalidOperationException("kill(SIGTERM) failed");
        }

        using var cts = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(cts.Token);
        return _process.ExitCode;
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
        }

        _process.Dispose();
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
        }
    }

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int SysKill(int pid, int signal);
}
