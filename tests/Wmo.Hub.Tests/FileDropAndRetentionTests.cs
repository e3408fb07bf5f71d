using System.IO.Abstractions;
using System.Text;
using System.Text.Json;
using Wmo.AzureStorage;
using Wmo.Messages;
using Wmo.Testing;

namespace Wmo.Hub.Tests;

public sealed class FileDropAndRetentionTests : IClassFixture<AzuriteFixture>, IDisposable
{
    private static readonly SchemaRegistry Schemas = SchemaRegistry.Load();
    private readonly StorageClients _storage;
    private readonly Tracking _tracking;
    private readonly Mailboxes _mailboxes;
    private readonly Intake _intake;
    private readonly string _root = Directory.CreateTempSubdirectory("wmo-filedrop-").FullName;
    private readonly string _gemeente = Random.Shared.Next(1000, 9999).ToString(System.Globalization.CultureInfo.InvariantCulture);
    private readonly string _aanbieder = Random.Shared.Next(10_000_000, 99_999_999).ToString(System.Globalization.CultureInfo.InvariantCulture);

    public FileDropAndRetentionTests(AzuriteFixture azurite)
    {
        _storage = azurite.CreateClient();
        _tracking = new Tracking(_storage, TimeProvider.System);
        _mailboxes = new Mailboxes(_storage, TimeProvider.System);
        _intake = new Intake(_storage, _tracking, _mailboxes, Schemas, new IntakeOptions(), TimeProvider.System);
        _intake.EnsureStorageAsync().GetAwaiter().GetResult();
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private string Drop(string party, string name, byte[] content, bool settled = true)
    {
        var inbox = Path.Combine(_root, party, "in");
        Directory.CreateDirectory(inbox);
        var path = Path.Combine(inbox, name);
        File.WriteAllBytes(path, content);
        if (settled)
        {
            File.SetLastWriteTimeUtc(path, DateTime.UtcNow.AddMinutes(-1));
        }

        return path;
    }

    [Fact]
    public async Task Dropped_files_go_through_intake_as_the_folders_party_and_end_in_done_or_failed_with_a_result()
    {
        var chain = new ChainMessages(_gemeente, _aanbieder, ChainMessages.RandomBsn(), DateOnly.FromDateTime(DateTime.UtcNow).AddDays(-1));
        var toewijzing = ChainMessages.Xml(chain.Toewijzing(1));
        Drop(_gemeente, "a-toewijzing.xml", toewijzing);
        Drop(_gemeente, "b-same-again.xml", toewijzing);
        Drop(_gemeente, "c-broken.xml", Encoding.UTF8.GetBytes("<nope"));
        Drop(_gemeente, "d-not-mine.xml", ChainMessages.Xml(chain.Start(1, chain.Today)));
        Drop(_gemeente, "e-still-writing.xml", toewijzing, settled: false);
        Drop("not-a-party", "x.xml", toewijzing);

        var results = await new FileDrop(new FileSystem(), _intake, TimeProvider.System).ProcessAsync(_root);

        Assert.Equal(["accepted", "duplicate", "invalid", "not-allowed"], results.Select(r => r.Status));
        var done = Path.Combine(_root, _gemeente, "done");
        var failed = Path.Combine(_root, _gemeente, "failed");
        Assert.True(File.Exists(Path.Combine(done, "a-toewijzing.xml")));
        Assert.True(File.Exists(Path.Combine(done, "b-same-again.xml")));
        Assert.True(File.Exists(Path.Combine(failed, "c-broken.xml")));
        Assert.True(File.Exists(Path.Combine(failed, "d-not-mine.xml")));
        Assert.True(File.Exists(Path.Combine(_root, _gemeente, "in", "e-still-writing.xml")));
        Assert.True(File.Exists(Path.Combine(_root, "not-a-party", "in", "x.xml")));
        using var result = JsonDocument.Parse(File.ReadAllText(Path.Combine(done, "a-toewijzing.xml.result.json")));
        var id = result.RootElement.GetProperty("id").GetGuid();
        Assert.Equal("WMO301", (await _tracking.GetAsync(id))!.Bericht);
        using var broken = JsonDocument.Parse(File.ReadAllText(Path.Combine(failed, "c-broken.xml.result.json")));
        Assert.NotEmpty(broken.RootElement.GetProperty("errors").EnumerateArray());
    }

    [Fact]
    public async Task Retention_purges_an_acknowledged_message_after_the_period_and_keeps_unread_ones()
    {
        var clock = new ManualClock(DateTimeOffset.UtcNow);
        var mailboxes = new Mailboxes(_storage, clock);
        var retention = new Retention(_storage, mailboxes, _tracking, clock, TimeSpan.FromDays(400));
        await retention.EnsureTableAsync();
        var archive = _storage.GetBlobContainer(IntakeOptions.ArchiveContainer);
        var (read, unread) = (Guid.NewGuid(), Guid.NewGuid());
        foreach (var id in new[] { read, unread })
        {
            await archive.PutAsync($"retention/{id:N}.xml", "<x/>"u8.ToArray(), "application/xml");
            await mailboxes.DeliverAsync(_aanbieder, id, "WMO301", _gemeente, $"retention/{id:N}.xml", null);
        }

        await mailboxes.AcknowledgeAsync(_aanbieder, read);
        await retention.ScheduleAsync(_aanbieder, read);

        Assert.Equal(0, await retention.PurgeAsync(clock.GetUtcNow().AddDays(399)));
        clock.Now = clock.Now.AddDays(401);
        await retention.PurgeAsync(clock.GetUtcNow());

        Assert.Null(await mailboxes.GetAsync(_aanbieder, read));
        Assert.Null(await archive.GetAsync($"retention/{read:N}.xml"));
        Assert.NotNull(await mailboxes.GetAsync(_aanbieder, unread));
        Assert.NotNull(await archive.GetAsync($"retention/{unread:N}.xml"));
    }

    private sealed class ManualClock(DateTimeOffset now) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = now;

        public override DateTimeOffset GetUtcNow() => Now;
    }
}
