using System.IO.Compression;
using System.Text.Json;
using Wmo.Testing;

namespace Wmo.Functions.Tests;

/// <summary>
/// `./wmo publish` writes what Azure runs: the publish folder and its zip, with the files the Functions host reads
/// (functions.metadata, host.json, worker.config.json, the extension metadata and its WebJobs extensions) and the
/// schemas the validator loads at run time; and the published app starts far enough to build its service provider.
/// </summary>
public sealed class PublishTests : IClassFixture<PublishTests.Published>
{
    private readonly Published _published;

    public PublishTests(Published published) => _published = published;

    /// <summary>One `./wmo publish --output DIR` per test run (a Release build of the app).</summary>
    public sealed class Published : IAsyncLifetime
    {
        public string Folder { get; } = Directory.CreateTempSubdirectory("wmo-publish-").FullName;

        public string App => Path.Combine(Folder, "app");

        public string Zip => Path.Combine(Folder, "wmo-functions.zip");

        public async Task InitializeAsync()
        {
            var (code, output) = await RunAsync("bash", RepoPaths.Root, new Dictionary<string, string>(), Path.Combine(RepoPaths.Root, "wmo"), "publish", "--output", Folder);
            Assert.True(code == 0, output);
        }

        public Task DisposeAsync()
        {
            Directory.Delete(Folder, recursive: true);
            return Task.CompletedTask;
        }
    }

    [Fact]
    public void The_publish_folder_holds_what_the_Functions_host_reads()
    {
        foreach (var file in new[] { "functions.metadata", "host.json", "worker.config.json", "extensions.json", "Wmo.Functions.dll", "Wmo.Functions.deps.json", "Wmo.Functions.runtimeconfig.json" })
        {
            Assert.True(File.Exists(Path.Combine(_published.App, file)), $"{file} is missing from the publish output");
        }

        using var worker = JsonDocument.Parse(File.ReadAllText(Path.Combine(_published.App, "worker.config.json")));
        Assert.Equal("dotnet-isolated", worker.RootElement.GetProperty("description").GetProperty("language").GetString());
        Assert.Equal("Wmo.Functions.dll", worker.RootElement.GetProperty("description").GetProperty("defaultWorkerPath").GetString());

        // The extension metadata the SDK writes: the host loads the queue extension from .azurefunctions/.
        using var extensions = JsonDocument.Parse(File.ReadAllText(Path.Combine(_published.App, "extensions.json")));
        var hints = extensions.RootElement.GetProperty("extensions").EnumerateArray().Select(e => e.GetProperty("hintPath").GetString()!).ToList();
        Assert.Contains(hints, h => h.EndsWith("Microsoft.Azure.WebJobs.Extensions.Storage.Queues.dll", StringComparison.Ordinal));
        Assert.All(hints, h => Assert.True(File.Exists(Path.Combine(_published.App, h)), $"{h} is listed but not published"));

        Assert.Equal(File.ReadAllText(Path.Combine(RepoPaths.Root, "host.json")), File.ReadAllText(Path.Combine(_published.App, "host.json")));
        Assert.Equal(41, JsonDocument.Parse(File.ReadAllText(Path.Combine(_published.App, "functions.metadata"))).RootElement.GetArrayLength());
    }

    [Fact]
    public void The_publish_folder_holds_every_schema_the_validator_loads_at_run_time()
    {
        var repo = Path.Combine(RepoPaths.Root, "schemas");
        var expected = Directory.GetFiles(repo, "*.xsd", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(repo, f)).Order(StringComparer.Ordinal).ToList();
        var published = Path.Combine(_published.App, "schemas");
        Assert.True(Directory.Exists(published), "schemas/ is missing from the publish output");

        Assert.NotEmpty(expected);
        Assert.Equal(expected, Directory.GetFiles(published, "*.xsd", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(published, f)).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void The_zip_holds_exactly_the_publish_folder()
    {
        using var zip = ZipFile.OpenRead(_published.Zip);
        var entries = zip.Entries.Where(e => !e.FullName.EndsWith('/')).Select(e => e.FullName.Replace('\\', '/')).Order(StringComparer.Ordinal).ToList();
        var files = Directory.GetFiles(_published.App, "*", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(_published.App, f).Replace('\\', '/')).Order(StringComparer.Ordinal).ToList();

        Assert.Equal(files, entries);
        Assert.Contains("functions.metadata", entries); // at the root, where the host looks
        Assert.Contains(".azurefunctions/Microsoft.Azure.WebJobs.Extensions.Storage.Queues.dll", entries);
    }

    [Fact]
    public async Task The_published_app_builds_its_service_provider_and_then_asks_for_the_Functions_host()
    {
        // Without the Functions host (which cannot run here) the worker stops when it starts and looks for the host's
        // gRPC endpoint: that is after Program.Build, whose ValidateOnBuild would have thrown on a composition error.
        var (code, output) = await RunAsync("dotnet", _published.App, new Dictionary<string, string>
        {
            ["AzureWebJobsStorage"] = "UseDevelopmentStorage=true",
        }, Path.Combine(_published.App, "Wmo.Functions.dll"));

        Assert.NotEqual(0, code);
        Assert.Contains("Functions:Worker:HostEndpoint", output, StringComparison.Ordinal);
        Assert.Contains("Host.StartAsync", output, StringComparison.Ordinal);
        Assert.DoesNotContain("Some services are not able to be constructed", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_published_app_with_a_wrong_storage_setting_stops_at_build_and_names_the_setting()
    {
        var (code, output) = await RunAsync("dotnet", _published.App, new Dictionary<string, string>
        {
            ["AzureWebJobsStorage__accountName"] = "Not A Valid Name",
        }, Path.Combine(_published.App, "Wmo.Functions.dll"));

        Assert.NotEqual(0, code);
        Assert.Contains("AzureWebJobsStorage__accountName", output, StringComparison.Ordinal);
        Assert.DoesNotContain("Host.StartAsync", output, StringComparison.Ordinal);
    }

    private static async Task<(int Code, string Output)> RunAsync(string file, string directory, Dictionary<string, string> environment, params string[] arguments)
    {
        // A clean environment for the app: no AzureWebJobsStorage from the test run leaks in unless given.
        var variables = new Dictionary<string, string?> { ["AzureWebJobsStorage"] = null };
        foreach (var (key, value) in environment)
        {
            variables[key] = value;
        }

        var (code, output, errors) = await Processes.RunAsync(file, directory, variables, arguments, TimeSpan.FromMinutes(5));
        return (code, output + errors);
    }
}
