using Wmo.Testing;

namespace Wmo.Functions.Tests;

/// <summary>
/// The real Bicep CLI: the native binary inside NuGet's <c>Azure.Bicep.CommandLine.linux-x64</c>, which this test
/// project restores (PackageDownload). NuGet does not keep the executable bit, so it is set here.
/// </summary>
internal static class BicepCli
{
    public const string Version = "0.49.2";

    private static readonly Lazy<string> Binary = new(() =>
    {
        var packages = Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } p
            ? p
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        var binary = Path.Combine(packages, "azure.bicep.commandline.linux-x64", Version, "tools", "bicep");
        if (!File.Exists(binary))
        {
            throw new InvalidOperationException($"The Bicep CLI is not at {binary}: restore tests/Wmo.Functions.Tests (it downloads the package).");
        }

        if (OperatingSystem.IsWindows())
        {
            throw new PlatformNotSupportedException("The Bicep package restored here is the linux-x64 one.");
        }

        File.SetUnixFileMode(binary, File.GetUnixFileMode(binary) | UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute);
        return binary;
    });

    public static string Infra => Path.Combine(RepoPaths.Root, "infra");

    /// <summary>Runs bicep with the arguments; environment values for <c>readEnvironmentVariable</c> may be given.</summary>
    public static Task<(int ExitCode, string Output, string Errors)> RunAsync(IReadOnlyDictionary<string, string>? environment, params string[] arguments)
    {
        // Offline and quiet: no telemetry.
        var variables = new Dictionary<string, string?> { ["BICEP_TELEMETRY_ENABLED"] = "false" };
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            variables[key] = value;
        }

        return Processes.RunAsync(Binary.Value, Infra, variables, arguments, TimeSpan.FromMinutes(3));
    }

    private static readonly Lazy<Task<string>> Compiled = new(async () =>
    {
        var (code, output, errors) = await RunAsync(null, "build", "main.bicep", "--stdout");
        return code == 0 ? output : throw new InvalidOperationException($"bicep build failed ({code}):\n{errors}");
    });

    /// <summary>main.bicep compiled to its ARM template (once per test run).</summary>
    public static Task<string> CompiledTemplateAsync() => Compiled.Value;
}
