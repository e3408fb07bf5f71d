using Wmo.Hub.Cak;
using Wmo.Hub.Chain;
using Wmo.Hub.Detection;
using Wmo.Messages;
using Wmo.Messages.Model;
using Wmo.Storage;
using Wmo.Testing;

namespace Wmo.Hub.Tests;

/// <summary>The due index and the detection scan against Azurite: deadlines from routing, alerts raised, escalated, resolved.</summary>
public sealed class DetectionScanTests : IClassFixture<AzuriteFixture>, IDisposable
{
    private static readonly SchemaRegistry Schemas = SchemaRegistry.Load();
    private static readonly WorkingDays Calendar = new();
    private readonly StorageClient _storage;
    private readonly Tracking _tracking;
    private readonly LedgerStore _ledger;
    private readonly Intake _intake;
    private readonly Router _router;
    private readonly Scanner _scanner;
    private readonly Alerts _alerts;
    private readonly string _gemeente = Random.Shared.Next(1000, 9999).ToString(System.Globalization.CultureInfo.InvariantCulture);
    private readonly string _aanbieder = Random.Shared.Next(10_000_000, 99_999_999).ToString(System.Globalization.CultureInfo.InvariantCulture);
    private readonly ChainMessages _chain;
    private readonly DateOnly _today = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(DateTimeOffset.UtcNow, TimeZoneInfo.FindSystemTimeZoneById("Europe/Amsterdam")).DateTime);

    public DetectionScanTests(AzuriteFixture azurite)
    {
        _storage = azurite.CreateClient();
        _chain = new ChainMessages(_gemeente, _aanbieder, ChainMessages.RandomBsn(), _today.AddDays(-1));
        _tracking = new Tracking(_storage, TimeProvider.System);
        var mailboxes = new Mailboxes(_storage, TimeProvider.System);
        _ledger = new LedgerStore(_storage, "test-secret");
        _alerts = new Alerts(_storage, TimeProvider.System);
        var due = new DueIndex(_storage);
        var cak = new CakLeg(new CakPolicies(new Dictionary<string, CakPolicy>()), Tariffs.With([new(2026, 2200), new(2027, 2300)]), "CAK", new CakOutbox(_storage));
        var detection = new DetectionOptions(Calendar);
        _intake = new Intake(_storage, _tracking, mailboxes, Schemas, new IntakeOptions(), TimeProvider.System);
        _router = new Router(_tracking, mailboxes, _ledger, _storage, Schemas, new IntakeOptions { ChainGrace = TimeSpan.Zero }, TimeProvider.System, cak, _alerts, due, detection);
        _scanner = new Scanner(due, _ledger, _alerts, cak, detection, TimeProvider.System);
        Task.WhenAll(_intake.EnsureStorageAsync(), _ledger.EnsureTableAsync(), _alerts.EnsureTableAsync(), due.EnsureTableAsync(), cak.Outbox.EnsureTableAsync())
            .GetAwaiter().GetResult();
    }

    public void Dispose() => _storage.Dispose();

    private async Task RouteAsync(IIwmoMessage message)
    {
        var sender = Routing.Sender(message);
        var accepted = Assert.IsType<IntakeResult.Accepted>(await _intake.ReceiveAsync(new Caller(sender, sender.Length == 4 ? Role.Gemeente : Role.Aanbieder), ChainMessages.Xml(message)));
        var record = (await _tracking.GetAsync(accepted.Id))!;
        await _router.RouteAsync(new InboxMessage(accepted.Id, record.Blob, record.Bericht, record.Afzender, record.ReceivedOn));
    }

    private async Task<List<Alert>> AlertsAsync(string rule) =>
        [.. (await _alerts.ListAsync(new AlertFilter(Gemeente: _gemeente, Rule: rule), 1000, null)).Items];

    [Fact]
    public async Task A_toewijzing_without_a_start_raises_R3_for_the_aanbieder_on_its_deadline_once_and_the_start_resolves_it()
    {
        await RouteAsync(_chain.Toewijzing(301));
        // Ingangsdatum lies before receipt (retroactive): 5 working days from receipt (OP271).
        var deadline = Calendar.AddWorkingDays(_today, 5);

        await _scanner.ScanAsync(deadline.AddDays(-1));
        Assert.Empty(await AlertsAsync(DueRules.MissingStart));
        await _scanner.ScanAsync(deadline);
        await _scanner.ScanAsync(deadline);

        var alert = Assert.Single(await AlertsAsync(DueRules.MissingStart));
        Assert.Equal(_aanbieder, alert.Owner);
        Assert.Equal(301, alert.ToewijzingNummer);
        Assert.Contains("geen startbericht", alert.Explanation, StringComparison.Ordinal);
        Assert.DoesNotContain(_chain.Bsn, alert.Explanation, StringComparison.Ordinal);

        await RouteAsync(_chain.Start(301, _today.AddDays(-1)));
        var after = await _scanner.ScanAsync(deadline.AddDays(1));

        Assert.True(after.Resolved >= 1);
        Assert.Equal(AlertStatus.Resolved, Assert.Single(await AlertsAsync(DueRules.MissingStart)).Status);
    }

    [Fact]
    public async Task A_start_the_CAK_has_not_accepted_raises_the_stack_risk_and_escalates_it_a_month_later_with_the_euros_at_risk()
    {
        await RouteAsync(_chain.Toewijzing(302));
        var begin = _today.AddDays(-1);
        await RouteAsync(_chain.Start(302, begin));
        var firstBilled = new DateOnly(begin.Year, begin.Month, 1).AddMonths(1);

        await _scanner.ScanAsync(firstBilled.AddMonths(1));
        var warning = Assert.Single(await AlertsAsync(DueRules.Stack));
        await _scanner.ScanAsync(firstBilled.AddMonths(2));
        var critical = Assert.Single(await AlertsAsync(DueRules.Stack));

        Assert.Equal((AlertSeverity.Warning, 2), (warning.Severity, warning.MonthsAtRisk));
        Assert.Equal((AlertSeverity.Critical, 3), (critical.Severity, critical.MonthsAtRisk));
        Assert.Equal(warning.Id, critical.Id);
        Assert.True(critical.AmountAtRiskCents >= 3 * 2200);
        Assert.Equal(_gemeente, critical.Owner);
        Assert.Single(await AlertsAsync(DueRules.Art2f));
    }

    [Fact]
    public async Task The_scan_reads_only_what_is_due_not_the_whole_ledger()
    {
        await RouteAsync(_chain.Toewijzing(303));
        var deadline = Calendar.AddWorkingDays(_today, 5);

        var early = await _scanner.ScanAsync(new DateOnly(2000, 1, 1));
        var onTime = await _scanner.ScanAsync(deadline);

        Assert.Equal(0, early.Due);
        Assert.True(onTime.Due >= 1);
    }

    [Fact]
    public async Task A_start_reported_weeks_after_it_began_raises_R3_late_for_the_aanbieder_on_receipt()
    {
        await RouteAsync(_chain.Toewijzing(304));
        var begin = Calendar.AddWorkingDays(_today.AddDays(-40), 1);

        await RouteAsync(_chain.Start(304, begin));

        var alert = Assert.Single(await AlertsAsync("R3-305-laat"));
        Assert.Equal(_aanbieder, alert.Owner);
        Assert.Contains("werkdagen na de start", alert.Explanation, StringComparison.Ordinal);
        Assert.Equal(AlertSeverity.Critical, alert.Severity); // about 28 working days late
    }

    [Fact]
    public async Task A_toewijzing_given_months_after_its_ingangsdatum_raises_R7_at_once()
    {
        var retroactive = _chain.Toewijzing(305);
        var product = retroactive.Client.ToegewezenProducten[0] with { Ingangsdatum = _today.AddMonths(-4), Toewijzingsdatum = _today.AddDays(-1) };
        await RouteAsync(retroactive with { Client = retroactive.Client with { ToegewezenProducten = [product] } });

        var alert = Assert.Single(await AlertsAsync("R7"));
        Assert.Equal(_gemeente, alert.Owner);
        Assert.True(alert.MonthsAtRisk >= 3);
        Assert.Contains("terugwerkende kracht", alert.Explanation, StringComparison.Ordinal);
    }
}
