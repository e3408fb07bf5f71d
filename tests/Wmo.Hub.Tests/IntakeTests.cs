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
        // The state a crash right after the receipt insert leaves behind.
        await _tracking.TryRegisterAsync(new MessageRecord(Intake.MessageId("65656055", header), "WMO305", "65656055", "1234", "x", header.BerichtIdentificatie.Dagtekening,
            "blob", DateTimeOffset.UtcNow, null, null, Queued: false));

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
