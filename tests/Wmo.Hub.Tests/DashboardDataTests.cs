using Wmo.AzureStorage;
using Wmo.Hub.Cak;
using Wmo.Hub.Chain;
using Wmo.Hub.Dashboard;
using Wmo.Hub.Detection;
using Wmo.Messages;
using Wmo.Messages.Model;
using Wmo.Testing;

namespace Wmo.Hub.Tests;

/// <summary>
/// What the dashboard reads besides alerts, against Azurite: the supplier lead times routing records per start (and
/// removes with a deleted start), their report figures, and the message search index intake and routing write.
/// </summary>
public sealed class DashboardDataTests : IClassFixture<AzuriteFixture>
{
    private static readonly SchemaRegistry Schemas = SchemaRegistry.Load();
    private static readonly WorkingDays Calendar = new();
    private readonly StorageClients _storage;
    private readonly Tracking _tracking;
    private readonly Intake _intake;
    private readonly Router _router;
    private readonly LeadTimes _leadTimes;
    private readonly string _gemeente = Random.Shared.Next(1000, 9999).ToString(System.Globalization.CultureInfo.InvariantCulture);
    private readonly string _aanbieder = Random.Shared.Next(10_000_000, 99_999_999).ToString(System.Globalization.CultureInfo.InvariantCulture);
    private readonly DateOnly _today = DutchTime.Today(TimeProvider.System);

    public DashboardDataTests(AzuriteFixture azurite)
    {
        _storage = azurite.CreateClient();
        _tracking = new Tracking(_storage, TimeProvider.System);
        var mailboxes = new Mailboxes(_storage, TimeProvider.System);
        var ledger = new LedgerStore(_storage, "test-secret");
        _leadTimes = new LeadTimes(_storage);
        var cak = new CakLeg(new CakPolicies(new Dictionary<string, CakPolicy>()), Tariffs.With([new(2026, 2200)]), "CAK", new CakOutbox(_storage));
        _intake = new Intake(_storage, _tracking, mailboxes, Schemas, new IntakeOptions(), TimeProvider.System);
        _router = new Router(_tracking, mailboxes, ledger, _storage, Schemas, new IntakeOptions { ChainGrace = TimeSpan.Zero }, TimeProvider.System, cak,
            leadTimes: _leadTimes);
        Task.WhenAll(_intake.EnsureStorageAsync(), _tracking.EnsureTableAsync(), ledger.EnsureTableAsync(), _leadTimes.EnsureTableAsync(), cak.Outbox.EnsureTableAsync())
            .GetAwaiter().GetResult();
    }

    private async Task<Guid> RouteAsync(IIwmoMessage message)
    {
        var sender = Routing.Sender(message);
        var accepted = Assert.IsType<IntakeResult.Accepted>(await _intake.ReceiveAsync(new Caller(sender, sender.Length == 4 ? Role.Gemeente : Role.Aanbieder), ChainMessages.Xml(message)));
        var record = (await _tracking.GetAsync(accepted.Id))!;
        await _router.RouteAsync(new InboxMessage(accepted.Id, record.Blob, record.Bericht, record.Afzender, record.ReceivedOn));
        return accepted.Id;
    }

    [Fact]
    public async Task A_routed_start_records_the_lead_time_from_the_toewijzing_once_and_a_deleted_start_removes_it()
    {
        var chain = new ChainMessages(_gemeente, _aanbieder, ChainMessages.RandomBsn(), _today);
        await RouteAsync(chain.Toewijzing(701)); // Toewijzingsdatum 10 days ago (ChainMessages)
        var begin = _today.AddDays(-3);
        var start = chain.Start(701, begin);
        var id = await RouteAsync(start);
        var record = (await _tracking.GetAsync(id))!;
        await _router.RouteAsync(new InboxMessage(id, record.Blob, record.Bericht, record.Afzender, record.ReceivedOn)); // a retry

        var row = Assert.Single(await _leadTimes.QueryAsync(_gemeente, null, _today.AddDays(-1), _today));
        Assert.Equal((_aanbieder, "02", 701L, _today.AddDays(-10), begin, _today), (row.Aanbieder, row.Categorie, row.ToewijzingNummer, row.Toewijzingsdatum, row.Begindatum, row.Ontvangen));
        Assert.Equal(Calendar.Between(_today.AddDays(-10), begin), row.DaysToStart(Calendar));
        Assert.Equal(Calendar.Between(_today.AddDays(-10), _today), row.DaysToReport(Calendar));
        Assert.Empty(await _leadTimes.QueryAsync(_gemeente, "00000000", _today.AddDays(-1), _today)); // another supplier
        Assert.Empty(await _leadTimes.QueryAsync(_gemeente, null, _today.AddDays(-30), _today.AddDays(-1))); // another period

        await RouteAsync(chain.Start(701, begin, status: "3"));
        Assert.Empty(await _leadTimes.QueryAsync(_gemeente, null, _today.AddDays(-1), _today));
    }

    [Fact]
    public void The_report_gives_median_p90_share_within_the_norm_and_a_histogram_per_supplier_and_category()
    {
        // Monday 5 January 2026 as toewijzingsdatum; starts 2, 4, 6, 8 and 30 working days later.
        var toegewezen = new DateOnly(2026, 1, 5);
        LeadTime Row(string aanbieder, string categorie, int workingDays) =>
            new("0363", aanbieder, categorie, workingDays, toegewezen, Calendar.AddWorkingDays(toegewezen, workingDays), Calendar.AddWorkingDays(toegewezen, workingDays + 1));
        var rows = new[] { Row("A", "02", 2), Row("A", "02", 4), Row("A", "07", 6), Row("A", "07", 8), Row("A", "07", 30), Row("B", "02", 12) };

        var perSupplier = LeadTimeReport.Compute(rows, Calendar, normDays: 5, byCategory: false);
        var a = perSupplier.Single(s => s.Aanbieder == "A");
        Assert.Equal((5, 6.0, 30, 7.0, 31), (a.Count, a.MedianToStart, a.P90ToStart, a.MedianToReport, a.P90ToReport));
        Assert.Equal(0.4, a.WithinNorm, 3);
        Assert.Equal([2, 2, 0, 0, 1, 0, 0], a.Histogram); // 0–5: 2 and 4; 6–10: 6 and 8; 21–30: 30
        Assert.Equal("B", perSupplier[1].Aanbieder);

        var perCategory = LeadTimeReport.Compute(rows, Calendar, normDays: 5, byCategory: true);
        Assert.Equal(["A/02", "A/07", "B/02"], perCategory.Select(s => $"{s.Aanbieder}/{s.Categorie}"));
        Assert.Equal(3.0, perCategory[0].MedianToStart);
        Assert.Equal(8.0, perCategory[1].MedianToStart);
    }

    [Fact]
    public async Task Every_registered_message_is_found_by_its_sender_and_its_addressee_per_type_and_period_newest_first_with_a_cursor()
    {
        var chain = new ChainMessages(_gemeente, _aanbieder, ChainMessages.RandomBsn(), _today);
        var toewijzing = await RouteAsync(chain.Toewijzing(801));
        var start = await RouteAsync(chain.Start(801, _today.AddDays(-2)));
        var stop = await RouteAsync(chain.Stop(801, _today.AddDays(-2), _today.AddDays(-1)));

        var forSupplier = await _tracking.SearchAsync(_aanbieder, null, _today, _today, null, 50);
        Assert.Equal([stop, start, toewijzing], forSupplier.Select(f => f.Message.Id));
        // The gemeente's partition also holds the WMO405 the starts and stops cause (to the CAK).
        Assert.Equal([stop, start, toewijzing], (await _tracking.SearchAsync(_gemeente, null, _today, _today, null, 50)).Where(f => f.Message.Bericht != "WMO405").Select(f => f.Message.Id));
        Assert.Equal([start], (await _tracking.SearchAsync(_gemeente, "WMO305", _today, _today, null, 50)).Select(f => f.Message.Id));
        Assert.Empty(await _tracking.SearchAsync(_gemeente, null, _today.AddDays(-40), _today.AddDays(-1), null, 50));
        Assert.Contains(toewijzing, (await _tracking.SearchAsync(null, "WMO301", _today, _today, null, 10_000)).Select(f => f.Message.Id)); // hub-wide

        var first = await _tracking.SearchAsync(_aanbieder, null, _today, _today, null, 2);
        var next = await _tracking.SearchAsync(_aanbieder, null, _today, _today, first[^1].Cursor, 2);
        Assert.Equal([stop, start], first.Select(f => f.Message.Id));
        Assert.Equal([toewijzing], next.Select(f => f.Message.Id));
        Assert.Equal((_gemeente, _aanbieder, "WMO301"), (next[0].Message.Afzender, next[0].Message.Geadresseerde, next[0].Message.Bericht));
    }

    [Fact]
    public async Task The_backlog_snapshot_counts_a_gemeentes_pending_persons_months_amount_and_rejections_and_follows_their_resolution()
    {
        var alerts = new Alerts(_storage, TimeProvider.System);
        var snapshots = new BacklogSnapshots(_storage, alerts, TimeProvider.System);
        await Task.WhenAll(alerts.EnsureTableAsync(), snapshots.EnsureTableAsync());
        var now = DateTimeOffset.UtcNow;
        Alert Make(string rule, string person, int? months, long? cents) =>
            new(Alerts.IdOf(rule, person, "p"), rule, AlertSeverity.Warning, AlertStatus.Open, _gemeente, person, "p", _gemeente, _aanbieder, 1, "*****1234", person,
                now.AddDays(-20), now.AddDays(-30), months, cents, "Test.");
        var stack = Make(DueRules.Stack, "persoon-a", 3, 6300);
        await alerts.RaiseAsync(stack);
        await alerts.RaiseAsync(Make(DueRules.Art2f, "persoon-a", null, null));
        await alerts.RaiseAsync(Make(DueRules.Art2f, "persoon-b", null, null));
        await alerts.RaiseAsync(Make(AlertRules.CakRejected, "persoon-b", null, null));

        await snapshots.RefreshAsync();
        var (rows, computedAt) = await snapshots.ReadAsync(_gemeente);
        var row = Assert.Single(rows);
        Assert.Equal((2, 6300L, 1), (row.Persons, row.Cents, row.RejectionsOpen));
        Assert.Equal([1, 0, 1, 0], row.Months); // persoon-b: no months known (1); persoon-a: 3 months (3–5)
        Assert.Equal(2, row.Trend[^1]);
        Assert.NotNull(computedAt);
        Assert.Contains((await snapshots.ReadAsync(null)).Rows, r => r.Gemeente == _gemeente);

        // The CAK accepts persoon-b: its R2 and R4 resolve; persoon-a stays pending.
        await alerts.ResolveAsync(_gemeente, Alerts.IdOf(DueRules.Art2f, "persoon-b", "p"), "Test: geaccepteerd.");
        await alerts.ResolveAsync(_gemeente, Alerts.IdOf(AlertRules.CakRejected, "persoon-b", "p"), "Test: geaccepteerd.");
        await snapshots.RefreshAsync();
        var after = Assert.Single((await snapshots.ReadAsync(_gemeente)).Rows);
        Assert.Equal((1, 6300L, 0), (after.Persons, after.Cents, after.RejectionsOpen));
    }
}
