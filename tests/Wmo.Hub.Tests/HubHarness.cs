using System.Globalization;
using System.Text;
using System.Xml.Linq;
using Wmo.AzureStorage;
using Wmo.Hub.Cak;
using Wmo.Hub.Chain;
using Wmo.Hub.Detection;
using Wmo.Messages;
using Wmo.Messages.Model;
using Wmo.Messages.Retour;
using Wmo.Testing;

namespace Wmo.Hub.Tests;

/// <summary>A clock the test moves: the hub's "now" for intake, routing, alerts and the scan.</summary>
public sealed class TestClock(DateTimeOffset now) : TimeProvider
{
    public DateTimeOffset Now { get; set; } = now;

    public override DateTimeOffset GetUtcNow() => Now;

    /// <summary>Moves to <paramref name="day"/> at the given Dutch wall-clock hour.</summary>
    public void At(DateOnly day, int hour = 10) =>
        Now = new DateTimeOffset(day.ToDateTime(new TimeOnly(hour, 0)), DutchTime.Zone.GetUtcOffset(day.ToDateTime(new TimeOnly(hour, 0))));
}

/// <summary>
/// The hub's detection path on a test clock, against Azurite: messages are posted through intake and routed as in
/// production, the CAK answers WMO405s with WMO406s, and the scan runs for a day. Each harness has its own gemeente
/// and due index, so harnesses run side by side.
/// </summary>
public sealed class HubHarness
{
    private static readonly SchemaRegistry Schemas = SchemaRegistry.Load();
    private static int _nextGemeente = Random.Shared.Next(0, 999);
    private readonly StorageClients _storage;
    private readonly Intake _intake;
    private readonly RetourWriter _retours = new(Schemas);

    public HubHarness(StorageClients storage, DateOnly start, CakPolicy? policy = null, string? gemeente = null, int threshold = 2)
    {
        _storage = storage;
        Clock.At(start);
        // Codes 0001–0999, one per harness: other test classes draw theirs from 1000–9999 and share the alert table.
        Gemeente = gemeente ?? (((Interlocked.Increment(ref _nextGemeente) - 1) % 999) + 1).ToString("D4", CultureInfo.InvariantCulture);
        Tracking = new Tracking(storage, Clock);
        var mailboxes = new Mailboxes(storage, Clock);
        Ledger = new LedgerStore(storage, "test-secret");
        Alerts = new Alerts(storage, Clock);
        Due = new DueIndex(storage, "termijnen" + Guid.NewGuid().ToString("N")[..10]);
        // 2025 tariff € 21,00 (domain.md §7) and an assumed 2026 one, so sums can be checked by hand.
        Cak = new CakLeg(new CakPolicies(policy is null ? new Dictionary<string, CakPolicy>() : new Dictionary<string, CakPolicy> { [Gemeente] = policy }),
            Tariffs.With([new(2025, 2100), new(2026, 2200)]), "CAK", new CakOutbox(storage));
        Detection = new DetectionOptions(new WorkingDays(), StackThreshold: threshold);
        _intake = new Intake(storage, Tracking, mailboxes, Schemas, new IntakeOptions(), Clock);
        Router = new Router(Tracking, mailboxes, Ledger, storage, Schemas, new IntakeOptions { ChainGrace = TimeSpan.Zero }, Clock, Cak, Alerts, Due, Detection);
        Scanner = new Scanner(Due, Ledger, Tracking, Alerts, Cak, Detection, Clock);
        Task.WhenAll(_intake.EnsureStorageAsync(), Ledger.EnsureTableAsync(), Alerts.EnsureTableAsync(), Due.EnsureTableAsync(), Cak.Outbox.EnsureTableAsync())
            .GetAwaiter().GetResult();
    }

    public TestClock Clock { get; } = new(DateTimeOffset.UnixEpoch);

    public string Gemeente { get; }

    public Tracking Tracking { get; }

    public LedgerStore Ledger { get; }

    public Alerts Alerts { get; }

    public DueIndex Due { get; }

    public CakLeg Cak { get; }

    public DetectionOptions Detection { get; }

    public Router Router { get; }

    public Scanner Scanner { get; }

    public DateOnly Today => DutchTime.DateOf(Clock.Now);

    /// <summary>A client of this gemeente with one aanbieder; messages dated on the harness's day.</summary>
    public Client NewClient(string? aanbieder = null) =>
        new(this, aanbieder ?? Random.Shared.Next(10_000_000, 99_999_999).ToString(CultureInfo.InvariantCulture), ChainMessages.RandomBsn());

    /// <summary>Posts a message through intake as its sender would, now, and routes it.</summary>
    public async Task<Guid> RouteAsync(IIwmoMessage message)
    {
        var sender = Routing.Sender(message);
        var role = sender == Routing.Cak ? Role.Cak : sender.Length == 4 ? Role.Gemeente : Role.Aanbieder;
        var result = await _intake.ReceiveAsync(new Caller(sender, role), ChainMessages.Xml(message));
        var accepted = Assert.IsType<IntakeResult.Accepted>(result);
        var record = (await Tracking.GetAsync(accepted.Id))!;
        await Router.RouteAsync(new InboxMessage(accepted.Id, record.Blob, record.Bericht, record.Afzender, record.ReceivedOn));
        return accepted.Id;
    }

    /// <summary>The CAK answers every WMO405 of the person that awaits an answer: accepted, or rejected with the code.</summary>
    public async Task<int> AnswerCakAsync(string personId, string? rejectCode = null)
    {
        var state = (await Ledger.GetStateAsync(personId))!;
        var waiting = state.Cak.Where(c => c.Status == CakPeriodState.Sent).Select(c => c.MessageId)
            .Concat(state.Cak.Where(c => c.StopStatus == CakPeriodState.Sent).Select(c => c.StopMessageId!.Value)).Distinct().ToList();
        var archive = _storage.GetBlobContainer(IntakeOptions.ArchiveContainer);
        foreach (var wmo405 in waiting)
        {
            var record = (await Tracking.GetAsync(wmo405))!;
            var heen = XDocument.Parse(Encoding.UTF8.GetString((await archive.GetAsync(record.Blob))!.Content));
            var verdict = rejectCode is null ? RetourVerdict.Approved : new RetourVerdict([new Finding(rejectCode, "CAK", "Afgewezen door het CAK.", "/Bericht/Client")]);
            var retour = _retours.Write(heen, verdict, "R" + wmo405.ToString("N")[..11], Today);
            var result = await _intake.ReceiveAsync(new Caller(Routing.Cak, Role.Cak), Encoding.UTF8.GetBytes(retour.Declaration + retour.ToString(SaveOptions.DisableFormatting)));
            var accepted = Assert.IsType<IntakeResult.Accepted>(result);
            var routed = (await Tracking.GetAsync(accepted.Id))!;
            await Router.RouteAsync(new InboxMessage(accepted.Id, routed.Blob, routed.Bericht, routed.Afzender, routed.ReceivedOn));
        }

        return waiting.Count;
    }

    /// <summary>The scan as the daily timer runs it: at 06:00 on <paramref name="day"/>.</summary>
    public Task<ScanResult> ScanAsync(DateOnly day)
    {
        Clock.At(day, 6);
        return Scanner.ScanAsync(day);
    }

    public async Task<List<Alert>> AlertsAsync(string? rule = null, string? personId = null, string? status = null)
    {
        var all = new List<Alert>();
        string? next = null;
        do
        {
            var (items, more) = await Alerts.ListAsync(new AlertFilter(Gemeente: Gemeente, Rule: rule, PersonId: personId, Status: status), 1000, next);
            all.AddRange(items);
            next = more;
        }
        while (next is not null);
        return all;
    }

    public async Task<List<Alert>> OpenAsync(string rule, string? personId = null) =>
        [.. (await AlertsAsync(rule, personId)).Where(a => a.Status != AlertStatus.Resolved)];

    /// <summary>One client's messages, dated on the harness's current day.</summary>
    public sealed class Client(HubHarness hub, string aanbieder, string bsn)
    {
        public string Aanbieder => aanbieder;

        public string Bsn => bsn;

        public string PersonId => hub.Ledger.PersonId(hub.Gemeente, bsn);

        private ChainMessages Chain => new(hub.Gemeente, aanbieder, bsn, hub.Today);

        public Task<Guid> ToewijzingAsync(long nummer, DateOnly ingang, DateOnly? einde = null, string categorie = "02", long? budget = null, DateOnly? toegewezen = null)
        {
            var m = Chain.Toewijzing(nummer);
            var p = m.Client.ToegewezenProducten[0] with
            {
                Ingangsdatum = ingang, Einddatum = einde, Toewijzingsdatum = toegewezen ?? hub.Today, Product = new Product(categorie, null), Budget = budget,
            };
            return hub.RouteAsync(m with { Client = m.Client with { ToegewezenProducten = [p] } });
        }

        public Task<Guid> StartAsync(long nummer, DateOnly begin) => hub.RouteAsync(Chain.Start(nummer, begin));

        public Task<Guid> StopAsync(long nummer, DateOnly begin, DateOnly end, string reden = "19") => hub.RouteAsync(Chain.Stop(nummer, begin, end, reden));

        public Task<int> CakAnswersAsync(string? rejectCode = null) => hub.AnswerCakAsync(PersonId, rejectCode);
    }
}
