using System.Text;
using System.Text.Json;
using System.Xml.Linq;
using Azure.Storage.Queues;
using Azure.Storage.Queues.Models;
using Wmo.AzureStorage;
using Wmo.Messages;
using Wmo.Messages.Model;
using Wmo.Testing;

namespace Wmo.Hub.Tests;

public sealed class IntakeTests : IClassFixture<AzuriteFixture>
{
    private static readonly SchemaRegistry Schemas = SchemaRegistry.Load();
    private readonly StorageClients _storage;
    private readonly Intake _intake;
    private readonly Tracking _tracking;
    private readonly Mailboxes _mailboxes;
    private readonly Caller _aanbieder = new("65656055", Role.Aanbieder);

    public IntakeTests(AzuriteFixture azurite)
    {
        _storage = azurite.CreateClient();
        _tracking = new Tracking(_storage, TimeProvider.System);
        _mailboxes = new Mailboxes(_storage, TimeProvider.System);
        _intake = new Intake(_storage, _tracking, _mailboxes, Schemas, new IntakeOptions(), TimeProvider.System);
        _intake.EnsureStorageAsync().GetAwaiter().GetResult();
    }

    private static byte[] Fresh305()
    {
        var xml = File.ReadAllText(Path.Combine(RepoPaths.Root, "..", "shared", "reference", "iwmo-3.2", "examples", "WMO305.xml"));
        return Encoding.UTF8.GetBytes(xml.Replace("<iwmo:Identificatie>123456789013</iwmo:Identificatie>",
            $"<iwmo:Identificatie>{Guid.NewGuid().ToString("N")[..12]}</iwmo:Identificatie>", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_retry_after_a_crash_between_receipt_and_queue_completes_the_message_instead_of_refusing_it()
    {
        var xml = Fresh305();
        var header = IwmoXml.Read(XDocument.Parse(Encoding.UTF8.GetString(xml))).Header;
        // The state a crash right after the receipt insert leaves behind, once its attempt's claim has run out.
        await _tracking.TryRegisterAsync(new MessageRecord(Intake.MessageId("65656055", header), "WMO305", "65656055", "1234", "x", header.BerichtIdentificatie.Dagtekening,
            "blob", DateTimeOffset.UtcNow, null, null, Queued: false, Hash(xml), DateTimeOffset.UtcNow.AddSeconds(-1)));

        var result = await _intake.ReceiveAsync(_aanbieder, xml);
        var again = await _intake.ReceiveAsync(_aanbieder, xml);

        var accepted = Assert.IsType<IntakeResult.Accepted>(result);
        Assert.True(accepted.Resumed);
        Assert.Equal(Intake.MessageId("65656055", header), accepted.Id);
        Assert.IsType<IntakeResult.Duplicate>(again);
        // Other tests of this project queue messages too, more than one peek (32) shows: look through all of them.
        var inbox = _storage.GetQueue(IntakeOptions.InboxQueue);
        var seen = new Dictionary<string, QueueMessage>();
        for (var round = 0; round < 100; round++)
        {
            var batch = await inbox.ReceiveAsync(32, TimeSpan.FromSeconds(30));
            if (batch.Length == 0)
            {
                break;
            }

            foreach (var m in batch)
            {
                seen[m.MessageId] = m;
            }
        }

        Assert.Single(seen.Values, m => JsonSerializer.Deserialize<InboxMessage>(m.Body)!.Id == accepted.Id);
    }

    /// <summary>The state an intake attempt that crashed after registering leaves: registered with its hash and claim, never queued.</summary>
    private async Task<Guid> RegisterCrashedAsync(byte[] xml, DateTimeOffset claimedUntil, string blob = "blob")
    {
        var header = IwmoXml.Read(XDocument.Parse(Encoding.UTF8.GetString(xml))).Header;
        var id = Intake.MessageId("65656055", header);
        await _tracking.TryRegisterAsync(new MessageRecord(id, "WMO305", "65656055", "1234", "x", header.BerichtIdentificatie.Dagtekening,
            blob, DateTimeOffset.UtcNow, null, null, Queued: false, Hash(xml), claimedUntil));
        return id;
    }

    private static string Hash(byte[] xml) => Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(xml));

    /// <summary>An intake writing to an inbox queue of the test alone (the shared one holds every other test's messages).</summary>
    private async Task<(Intake Intake, QueueClient Inbox)> IsolatedAsync(TimeSpan? claim = null)
    {
        var queue = UniqueName.For("inbox");
        var intake = new Intake(_storage, _tracking, _mailboxes, Schemas,
            new IntakeOptions { IntakeClaim = claim ?? TimeSpan.FromSeconds(30), InboxQueueName = queue }, TimeProvider.System);
        var inbox = _storage.GetQueue(queue);
        await inbox.CreateIfNotExistsAsync();
        return (intake, inbox);
    }

    private static async Task<int> QueuedCountAsync(QueueClient inbox, Guid id) =>
        (await inbox.PeekAsync(32)).Count(m => JsonSerializer.Deserialize<InboxMessage>(m.Body)!.Id == id);

    [Fact]
    public async Task Of_twenty_concurrent_posts_of_one_new_message_exactly_one_is_accepted_and_queued_and_the_rest_are_duplicates()
    {
        var xml = Fresh305();
        var (intake, inbox) = await IsolatedAsync();

        var results = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => Task.Run(() => intake.ReceiveAsync(_aanbieder, xml))));

        var accepted = Assert.Single(results.OfType<IntakeResult.Accepted>());
        Assert.False(accepted.Resumed);
        Assert.Equal(19, results.OfType<IntakeResult.Duplicate>().Count(d => d.OriginalId == accepted.Id));
        Assert.True((await _tracking.GetAsync(accepted.Id))!.Queued);
        Assert.Equal(1, await QueuedCountAsync(inbox, accepted.Id));
    }

    [Fact]
    public async Task Concurrent_posts_with_one_identity_but_different_bodies_accept_one_and_the_archive_keeps_exactly_its_body()
    {
        var original = Fresh305();
        var bodies = Enumerable.Range(0, 10).Select(i => (byte[])[.. original, .. Encoding.UTF8.GetBytes($"<!-- variant {i} -->")]).ToList();

        var (intake, inbox) = await IsolatedAsync();

        var results = await Task.WhenAll(bodies.Select(b => Task.Run(() => intake.ReceiveAsync(_aanbieder, b))));

        var winner = Assert.Single(results.Select((r, i) => (r, i)), x => x.r is IntakeResult.Accepted);
        Assert.Equal(9, results.OfType<IntakeResult.Duplicate>().Count());
        var id = ((IntakeResult.Accepted)winner.r).Id;
        var record = (await _tracking.GetAsync(id))!;
        Assert.Equal(Hash(bodies[winner.i]), record.BodyHash);
        var archived = await _storage.GetBlobContainer(IntakeOptions.ArchiveContainer).GetAsync(record.Blob);
        Assert.Equal(bodies[winner.i], archived!.Content);
        Assert.Equal(1, await QueuedCountAsync(inbox, id));
    }

    [Fact]
    public async Task A_retry_with_other_XML_under_the_identity_of_an_unfinished_message_is_a_duplicate_and_writes_nothing()
    {
        var xml = Fresh305();
        var blob = $"65656055/crashed/{Guid.NewGuid():N}.xml";
        var id = await RegisterCrashedAsync(xml, DateTimeOffset.UtcNow.AddMinutes(-5), blob);

        var (intake, inbox) = await IsolatedAsync();

        var other = await intake.ReceiveAsync(_aanbieder, [.. xml, .. "<!-- changed -->"u8.ToArray()]);

        Assert.Equal(id, Assert.IsType<IntakeResult.Duplicate>(other).OriginalId);
        Assert.False((await _tracking.GetAsync(id))!.Queued);
        Assert.Equal(0, await QueuedCountAsync(inbox, id));
        Assert.Null(await _storage.GetBlobContainer(IntakeOptions.ArchiveContainer).GetAsync(blob));
        // The identical XML still completes it afterwards.
        Assert.True(Assert.IsType<IntakeResult.Accepted>(await intake.ReceiveAsync(_aanbieder, xml)).Resumed);
        Assert.Equal(1, await QueuedCountAsync(inbox, id));
    }

    [Fact]
    public async Task A_retry_while_the_first_attempt_may_still_be_alive_waits_for_its_claim_and_then_completes_the_message()
    {
        var xml = Fresh305();
        var (intake, _) = await IsolatedAsync(TimeSpan.FromSeconds(2));
        await RegisterCrashedAsync(xml, DateTimeOffset.UtcNow.AddSeconds(2));
        var clock = System.Diagnostics.Stopwatch.StartNew();

        var result = await intake.ReceiveAsync(_aanbieder, xml);

        Assert.True(Assert.IsType<IntakeResult.Accepted>(result).Resumed);
        Assert.InRange(clock.Elapsed, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task Of_ten_concurrent_retries_of_a_crashed_intake_exactly_one_resumes_it_and_it_is_queued_once()
    {
        var xml = Fresh305();
        var id = await RegisterCrashedAsync(xml, DateTimeOffset.UtcNow.AddMinutes(-1));

        var (intake, inbox) = await IsolatedAsync();

        var results = await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => Task.Run(() => intake.ReceiveAsync(_aanbieder, xml))));

        Assert.True(Assert.Single(results.OfType<IntakeResult.Accepted>()).Resumed);
        Assert.Equal(9, results.OfType<IntakeResult.Duplicate>().Count());
        Assert.Equal(1, await QueuedCountAsync(inbox, id));
    }

    [Fact]
    public async Task The_same_message_gets_the_same_id_on_every_attempt_and_different_messages_different_ids()
    {
        var first = Fresh305();
        var second = Fresh305();

        var a = Assert.IsType<IntakeResult.Accepted>(await _intake.ReceiveAsync(_aanbieder, first));
        var b = Assert.IsType<IntakeResult.Accepted>(await _intake.ReceiveAsync(_aanbieder, second));
        var repeat = Assert.IsType<IntakeResult.Duplicate>(await _intake.ReceiveAsync(_aanbieder, first));

        Assert.NotEqual(a.Id, b.Id);
        Assert.Equal(a.Id, repeat.OriginalId);
    }

    [Fact]
    public async Task A_rejected_message_is_not_registered_and_its_retour_goes_to_the_senders_mailbox()
    {
        var xml = Encoding.UTF8.GetString(Fresh305());
        var d = xml.IndexOf("<iwmo:Dagtekening>", StringComparison.Ordinal) + "<iwmo:Dagtekening>".Length;
        var future = Encoding.UTF8.GetBytes(xml[..d] + "2999-01-01" + xml[(d + 10)..]);
        var header = IwmoXml.Read(XDocument.Parse(Encoding.UTF8.GetString(future))).Header;

        var result = await _intake.ReceiveAsync(_aanbieder, future);

        var rejected = Assert.IsType<IntakeResult.RulesRejected>(result);
        Assert.Equal("8848", Assert.Single(rejected.Findings).RetourCode);
        Assert.Null(await _tracking.GetAsync(Intake.MessageId("65656055", header)));
        var mailbox = await _mailboxes.ListAsync("65656055", 1000, null, unreadOnly: true);
        var item = Assert.Single(mailbox.Items, i => i.Bericht == "WMO306" && i.Van == Router.HubParty
            && _storage.GetBlobContainer(IntakeOptions.ArchiveContainer).GetAsync(i.Blob).GetAwaiter().GetResult()!.Content.AsSpan().IndexOf(Encoding.UTF8.GetBytes(header.BerichtIdentificatie.Identificatie)) >= 0);
        Assert.False(item.Read);
    }

    [Fact]
    public async Task An_Identificatie_with_characters_table_keys_forbid_is_still_deduplicated()
    {
        var xml = Encoding.UTF8.GetString(Fresh305());
        var start = xml.IndexOf("<iwmo:Identificatie>", StringComparison.Ordinal) + "<iwmo:Identificatie>".Length;
        var end = xml.IndexOf('<', start);
        var odd = Encoding.UTF8.GetBytes(xml[..start] + "A/B#C?" + Guid.NewGuid().ToString("N")[..6] + xml[end..]);

        Assert.IsType<IntakeResult.Accepted>(await _intake.ReceiveAsync(_aanbieder, odd));
        Assert.IsType<IntakeResult.Duplicate>(await _intake.ReceiveAsync(_aanbieder, odd));
    }
}
