using System.Text;
using Wmo.AzureStorage;
using Wmo.Hub.Chain;
using Wmo.Messages;
using Wmo.Messages.Model;
using Wmo.Testing;

namespace Wmo.Hub.Tests;

/// <summary>Routing against Azurite: mailboxes, ledger, tracking, the hub's retours, and idempotency on retries.</summary>
public sealed class RouterTests : IClassFixture<AzuriteFixture>
{
    private static readonly SchemaRegistry Schemas = SchemaRegistry.Load();
    private readonly StorageClients _storage;
    private readonly Tracking _tracking;
    private readonly Mailboxes _mailboxes;
    private readonly LedgerStore _ledger;
    private readonly Intake _intake;
    private readonly string _gemeente = "0363";
    private readonly string _aanbieder = Random.Shared.Next(10_000_000, 99_999_999).ToString(System.Globalization.CultureInfo.InvariantCulture);
    private readonly string _bsn = ChainMessages.RandomBsn();
    private readonly DateOnly _today = DateOnly.FromDateTime(DateTime.UtcNow).AddDays(-1);
    private readonly ChainMessages _chain;

    public RouterTests(AzuriteFixture azurite)
    {
        _chain = new ChainMessages(_gemeente, _aanbieder, _bsn, _today);
        _storage = azurite.CreateClient();
        _tracking = new Tracking(_storage, TimeProvider.System);
        _mailboxes = new Mailboxes(_storage, TimeProvider.System);
        _ledger = new LedgerStore(_storage, "test-secret");
        _intake = new Intake(_storage, _tracking, _mailboxes, Schemas, new IntakeOptions(), TimeProvider.System);
        _intake.EnsureStorageAsync().GetAwaiter().GetResult();
        _ledger.EnsureTableAsync().GetAwaiter().GetResult();
    }

    private Router NewRouter(TimeSpan? grace = null) => new(_tracking, _mailboxes, _ledger, _storage, Schemas,
        new IntakeOptions { ChainGrace = grace ?? TimeSpan.Zero, ChainRetryDelay = TimeSpan.FromSeconds(30) }, TimeProvider.System);

    private Wmo301 Toewijzing(long nummer) => _chain.Toewijzing(nummer);

    private Wmo305 Start(long nummer, DateOnly begin) => _chain.Start(nummer, begin);

    private Wmo307 Stop(long nummer, DateOnly begin, DateOnly end) => _chain.Stop(nummer, begin, end);

    private async Task<InboxMessage> PostAsync(IIwmoMessage message)
    {
        var bytes = ChainMessages.Xml(message);
        var sender = Routing.Sender(message);
        var caller = new Caller(sender, sender.Length == 4 ? Role.Gemeente : Role.Aanbieder);
        var accepted = Assert.IsType<IntakeResult.Accepted>(await _intake.ReceiveAsync(caller, bytes));
        var record = (await _tracking.GetAsync(accepted.Id))!;
        return new InboxMessage(accepted.Id, record.Blob, record.Bericht, record.Afzender);
    }

    private async Task<IReadOnlyList<MailboxItem>> MailboxAsync(string party) => (await _mailboxes.ListAsync(party, 500, null, unreadOnly: false)).Items;

    [Fact]
    public async Task A_toewijzing_and_its_start_land_in_the_right_mailboxes_and_the_ledger()
    {
        var router = NewRouter();
        var toewijzing = await PostAsync(Toewijzing(4711));
        var start = await PostAsync(Start(4711, _today.AddDays(-5)));

        await router.RouteAsync(toewijzing);
        var result = await router.RouteAsync(start);

        Assert.Empty(result.Findings);
        Assert.Contains(await MailboxAsync(_aanbieder), i => i.Id == toewijzing.Id && i.Bericht == "WMO301" && i.Van == _gemeente);
        Assert.Contains(await MailboxAsync(_gemeente), i => i.Id == start.Id && i.Bericht == "WMO305" && i.Van == _aanbieder);
        var person = _ledger.PersonId(_gemeente, _bsn);
        var state = (await _ledger.GetStateAsync(person))!;
        Assert.Single(state.CurrentStarts(4711));
        var history = (await _tracking.HistoryAsync(start.Id))!;
        Assert.Equal([MessageStatus.Received, MessageStatus.Validated, MessageStatus.Queued, MessageStatus.Routed, MessageStatus.Delivered],
            history.Statuses.Select(s => s.Status));
        Assert.Equal(person, history.Message.Person);
    }

    [Fact]
    public async Task Routing_the_same_message_again_changes_nothing_and_delivers_no_second_copy()
    {
        var router = NewRouter();
        await router.RouteAsync(await PostAsync(Toewijzing(4712)));
        var stop = await PostAsync(Stop(4712, _today.AddDays(-5), _today)); // no start: 9069

        var first = await router.RouteAsync(stop);
        var again = await router.RouteAsync(stop);

        Assert.Equal("9069", Assert.Single(first.Findings).RetourCode);
        Assert.Equal(first.HubRetour, again.HubRetour);
        var entries = await _ledger.EntriesAsync(_ledger.PersonId(_gemeente, _bsn));
        Assert.Single(entries, e => e.MessageId == stop.Id);
        Assert.Single(await MailboxAsync(_gemeente), i => i.Id == stop.Id && i.HubRetourCodes.SequenceEqual(["9069"]));
        var retour = Assert.Single(await MailboxAsync(_aanbieder), i => i.Bericht == "WMO308");
        Assert.Equal(Router.HubParty, retour.Van);
        Assert.Equal(stop.Id, retour.Answers);
        var xml = Encoding.UTF8.GetString((await _storage.GetBlobContainer(IntakeOptions.ArchiveContainer).GetAsync(retour.Blob))!.Content);
        Assert.Contains("<wmo308:RetourCode>9069</wmo308:RetourCode>", xml, StringComparison.Ordinal);
        Assert.True(new MessageValidator(Schemas).Validate(xml).IsValid);
        var history = (await _tracking.HistoryAsync(stop.Id))!;
        Assert.Contains(history.Statuses, s => s.Status == MessageStatus.Answered && s.Related == retour.Id);
        Assert.Contains(history.Links, l => l.Id == retour.Id && l.Relation == "answered-by");
    }

    [Fact]
    public async Task A_start_routed_before_its_toewijzing_waits_instead_of_being_rejected()
    {
        var router = NewRouter(grace: TimeSpan.FromMinutes(5));
        var toewijzing = await PostAsync(Toewijzing(4713));
        var start = await PostAsync(Start(4713, _today.AddDays(-5)));

        var early = await router.RouteAsync(start);
        await router.RouteAsync(toewijzing);
        var later = await router.RouteAsync(start);

        Assert.True(early.Deferred);
        Assert.False(later.Deferred);
        Assert.Empty(later.Findings);
        Assert.DoesNotContain(await MailboxAsync(_aanbieder), i => i.Bericht == "WMO306");
        var history = (await _tracking.HistoryAsync(start.Id))!;
        Assert.Contains(history.Statuses, s => s.Status == MessageStatus.Queued && s.Detail!.Contains("9019", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_retour_from_the_gemeente_goes_to_the_aanbieder_and_answers_the_start()
    {
        var router = NewRouter();
        await router.RouteAsync(await PostAsync(Toewijzing(4714)));
        var startMessage = Start(4714, _today.AddDays(-5));
        var start = await PostAsync(startMessage);
        await router.RouteAsync(start);
        var retour = new Wmo.Messages.Retour.RetourWriter(Schemas).Write(IwmoXml.Write(startMessage), Wmo.Messages.Retour.RetourVerdict.Approved, "R" + _bsn, _today);
        var accepted = Assert.IsType<IntakeResult.Accepted>(await _intake.ReceiveAsync(new Caller(_gemeente, Role.Gemeente), Encoding.UTF8.GetBytes(retour.Declaration + retour.ToString())));
        var record = (await _tracking.GetAsync(accepted.Id))!;

        await router.RouteAsync(new InboxMessage(accepted.Id, record.Blob, record.Bericht, record.Afzender));

        Assert.Contains(await MailboxAsync(_aanbieder), i => i.Id == accepted.Id && i.Bericht == "WMO306" && i.Answers == start.Id);
        var heen = (await _tracking.HistoryAsync(start.Id))!;
        Assert.Contains(heen.Statuses, s => s.Status == MessageStatus.Answered && s.Related == accepted.Id);
        var entries = await _ledger.EntriesAsync(_ledger.PersonId(_gemeente, _bsn));
        Assert.Contains(entries, e => e.MessageId == accepted.Id && e.Events.Any(ev => ev.Kind == LedgerEventKinds.Retour));
    }

    [Fact]
    public async Task Acknowledging_moves_an_item_behind_the_unread_ones_and_twice_is_harmless()
    {
        var party = "ack" + Guid.NewGuid().ToString("N")[..8];
        var ids = Enumerable.Range(0, 3).Select(_ => Guid.NewGuid()).ToList();
        foreach (var id in ids)
        {
            Assert.True(await _mailboxes.DeliverAsync(party, id, "WMO305", "x", "blob", null));
        }

        Assert.False(await _mailboxes.DeliverAsync(party, ids[0], "WMO305", "x", "blob", null));
        Assert.True(await _mailboxes.AcknowledgeAsync(party, ids[0]));
        Assert.True(await _mailboxes.AcknowledgeAsync(party, ids[0]));
        Assert.False(await _mailboxes.AcknowledgeAsync(party, Guid.NewGuid()));

        var first = await _mailboxes.ListAsync(party, 2, null, unreadOnly: false);
        var second = await _mailboxes.ListAsync(party, 2, first.ContinuationToken, unreadOnly: false);
        Assert.Equal([ids[1], ids[2]], first.Items.Select(i => i.Id));
        Assert.Equal([ids[0]], second.Items.Select(i => i.Id));
        Assert.True(second.Items[0].Read);
        Assert.Equal(2, (await _mailboxes.ListAsync(party, 10, null, unreadOnly: true)).Items.Count);
    }
}
