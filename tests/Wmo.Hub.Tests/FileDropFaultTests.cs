using System.IO.Abstractions.TestingHelpers;
using System.Text;
using System.Text.Json;
using Wmo.AzureStorage;
using Wmo.Hub.Cak;
using Wmo.Messages;
using Wmo.Testing;

namespace Wmo.Hub.Tests;

/// <summary>
/// The file-drop transports on an in-memory file system (System.IO.Abstractions' MockFileSystem), for what a real disk
/// rarely does on cue: files still being written, names already taken, files vanishing or unreadable mid-round.
/// Intake is the real one, on Azurite.
/// </summary>
public sealed class FileDropFaultTests : IClassFixture<AzuriteFixture>
{
    private static readonly SchemaRegistry Schemas = SchemaRegistry.Load();
    private static readonly DateTimeOffset Now = new(2026, 12, 2, 10, 0, 0, TimeSpan.Zero);
    private const string Root = "/drop";
    private readonly Tracking _tracking;
    private readonly Intake _intake;
    private readonly FaultyFileSystem _files = new();
    private readonly ChainMessages _chain;
    private readonly string _gemeente = Random.Shared.Next(1000, 9999).ToString(System.Globalization.CultureInfo.InvariantCulture);

    public FileDropFaultTests(AzuriteFixture azurite)
    {
        StorageClients storage = azurite.CreateClient();
        _tracking = new Tracking(storage, TimeProvider.System);
        var mailboxes = new Mailboxes(storage, TimeProvider.System);
        _intake = new Intake(storage, _tracking, mailboxes, Schemas, new IntakeOptions(), TimeProvider.System);
        _intake.EnsureStorageAsync().GetAwaiter().GetResult();
        _chain = new ChainMessages(_gemeente, Random.Shared.Next(10_000_000, 99_999_999).ToString(System.Globalization.CultureInfo.InvariantCulture),
            ChainMessages.RandomBsn(), Wmo.Messages.DutchTime.Today(TimeProvider.System).AddDays(-1));
    }

    private string In(string name) => $"{Root}/{_gemeente}/in/{name}";

    private string Drop(string name, byte[] content, TimeSpan age)
    {
        var path = In(name);
        _files.AddFile(path, new MockFileData(content));
        _files.File.SetLastWriteTimeUtc(path, (Now - age).UtcDateTime);
        return path;
    }

    private byte[] Toewijzing(int n) => ChainMessages.Xml(_chain.Toewijzing(n));

    private Task<IReadOnlyList<FileDropResult>> RunAsync(DateTimeOffset? at = null) =>
        new FileDrop(_files, _intake, new FixedClock(at ?? Now)).ProcessAsync(Root);

    [Fact]
    public async Task A_file_younger_than_the_settle_time_is_left_until_a_later_round()
    {
        Drop("toewijzing.xml", Toewijzing(1), age: TimeSpan.FromMilliseconds(300));

        var first = await RunAsync();
        var later = await RunAsync(Now + TimeSpan.FromSeconds(2));

        Assert.Empty(first);
        Assert.Equal("accepted", Assert.Single(later).Status);
        Assert.True(_files.File.Exists($"{Root}/{_gemeente}/done/toewijzing.xml"));
        Assert.False(_files.File.Exists(In("toewijzing.xml")));
    }

    [Fact]
    public async Task A_name_already_in_done_or_failed_keeps_the_earlier_file_and_result_and_the_new_one_gets_a_number()
    {
        var done = $"{Root}/{_gemeente}/done";
        var failed = $"{Root}/{_gemeente}/failed";
        _files.AddFile($"{done}/bericht.xml", new MockFileData("earlier"));
        _files.AddFile($"{done}/bericht.xml.result.json", new MockFileData("{\"status\":\"accepted\"}"));
        _files.AddFile($"{failed}/kapot.xml", new MockFileData("earlier broken"));
        var toewijzing = Toewijzing(2);
        Drop("bericht.xml", toewijzing, TimeSpan.FromMinutes(1));
        Drop("kapot.xml", Encoding.UTF8.GetBytes("<nope"), TimeSpan.FromMinutes(1));

        var results = await RunAsync();

        Assert.Equal(["bericht.2.xml", "kapot.2.xml"], results.Select(r => r.File));
        Assert.Equal("earlier", _files.File.ReadAllText($"{done}/bericht.xml"));
        Assert.Equal("{\"status\":\"accepted\"}", _files.File.ReadAllText($"{done}/bericht.xml.result.json"));
        Assert.Equal(toewijzing, _files.File.ReadAllBytes($"{done}/bericht.2.xml"));
        using var result = JsonDocument.Parse(_files.File.ReadAllText($"{done}/bericht.2.xml.result.json"));
        Assert.Equal("bericht.2.xml", result.RootElement.GetProperty("file").GetString());
        Assert.Equal("earlier broken", _files.File.ReadAllText($"{failed}/kapot.xml"));
        Assert.True(_files.File.Exists($"{failed}/kapot.2.xml.result.json"));
    }

    [Fact]
    public async Task A_file_that_disappears_mid_read_is_reported_gone_and_the_other_files_still_go_through()
    {
        var vanishing = Drop("a-weg.xml", Toewijzing(3), TimeSpan.FromMinutes(1));
        Drop("b-goed.xml", Toewijzing(4), TimeSpan.FromMinutes(1));
        _files.Faults[vanishing] = path =>
        {
            _files.RemoveFile(path);
            return new FileNotFoundException("gone", path);
        };

        var results = await RunAsync();

        Assert.Equal([("a-weg.xml", "gone"), ("b-goed.xml", "accepted")], results.Select(r => (r.File, r.Status)));
        Assert.False(_files.File.Exists($"{Root}/{_gemeente}/failed/a-weg.xml.result.json"));
        Assert.True(_files.File.Exists($"{Root}/{_gemeente}/done/b-goed.xml"));
    }

    [Fact]
    public async Task An_unreadable_file_stays_where_it_is_with_a_clear_status_and_changes_nothing()
    {
        var locked = Drop("a-geen-rechten.xml", Toewijzing(5), TimeSpan.FromMinutes(1));
        var busy = Drop("b-in-gebruik.xml", Toewijzing(6), TimeSpan.FromMinutes(1));
        Drop("c-goed.xml", Toewijzing(7), TimeSpan.FromMinutes(1));
        _files.Faults[locked] = path => new UnauthorizedAccessException($"Access to the path '{path}' is denied.");
        _files.Faults[busy] = path => new IOException($"The process cannot access the file '{path}' because it is being used by another process.");

        var results = await RunAsync();

        Assert.Equal(["unreadable", "busy", "accepted"], results.Select(r => r.Status));
        Assert.Contains("leesrechten", results[0].Detail, StringComparison.Ordinal);
        Assert.True(_files.File.Exists(locked));
        Assert.True(_files.File.Exists(busy));
        Assert.Null(results[0].Id);

        _files.Faults.Clear(); // rights fixed: the next round takes both
        var next = await RunAsync(Now + TimeSpan.FromMinutes(1));
        Assert.Equal(["accepted", "accepted"], next.Select(r => r.Status));
    }

    [Fact]
    public async Task The_CAK_file_drop_never_leaves_half_a_file_and_a_resend_replaces_rather_than_doubles()
    {
        var files = new MockFileSystem();
        var transport = new FileDropCakTransport(files, "/naar-cak");
        var item = new PendingWmo405("r", Guid.NewGuid(), "blob", "0363", "ABC123");

        await transport.SendAsync(item, "ABC123", "<x/>"u8.ToArray(), CancellationToken.None);
        await transport.SendAsync(item, "ABC123", "<y/>"u8.ToArray(), CancellationToken.None);

        Assert.Equal(["/naar-cak/WMO405_ABC123.xml"], files.Directory.GetFiles("/naar-cak").Select(f => f.Replace('\\', '/')));
        Assert.Equal("<y/>", files.File.ReadAllText("/naar-cak/WMO405_ABC123.xml"));
    }

    private sealed class FixedClock(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }

    /// <summary>A MockFileSystem whose reads of chosen paths fail as a real disk can (vanished, locked, no rights).</summary>
    private sealed class FaultyFileSystem : MockFileSystem
    {
        private readonly FaultyFile _file;

        public FaultyFileSystem() => _file = new FaultyFile(this);

        public Dictionary<string, Func<string, Exception>> Faults { get; } = new(StringComparer.Ordinal);

        public override System.IO.Abstractions.IFile File => _file;

        private sealed class FaultyFile(FaultyFileSystem files) : MockFile(files)
        {
            public override Task<byte[]> ReadAllBytesAsync(string path, CancellationToken cancellationToken = default) =>
                files.Faults.TryGetValue(path, out var fault) ? Task.FromException<byte[]>(fault(path)) : base.ReadAllBytesAsync(path, cancellationToken);
        }
    }
}
