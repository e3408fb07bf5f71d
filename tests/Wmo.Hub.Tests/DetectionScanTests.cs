using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Data.Tables;
using Wmo.AzureStorage;
using Wmo.Hub.Cak;
using Wmo.Hub.Chain;
using Wmo.Hub.Detection;
using Wmo.Messages;
using Wmo.Messages.Model;
using Wmo.Testing;

namespace Wmo.Hub.Tests;

/// <summary>The due index and the detection scan against Azurite: deadlines from routing, alerts raised, escalated, resolved.</summary>
public sealed class DetectionScanTests : IClassFixture<AzuriteFixture>
{
    private static readonly SchemaRegistry Schemas = SchemaRegistry.Load();
    private static readonly WorkingDays Calendar = new();
    private readonly StorageClients _storage;
    private readonly Tracking _tracking;
    private readonly LedgerStore _ledger;
    private readonly Intake _intake;
    private readonly Router _router;
    private readonly Scanner _scanner;
    private readonly Alerts _alerts;
    private readonly DueIndex _due;
    private readonly string _dueTable = "termijnen" + Guid.NewGuid().ToString("N")[..12];
    private readonly string _gemeente = Random.Shared.Next(1000, 9999).ToString(System.Globalization.CultureInfo.InvariantCulture);
    private readonly string _aanbieder = Random.Shared.Next(10_000_000, 99_999_999).ToString(System.Globalization.CultureInfo.InvariantCulture);
    private readonly ChainMessages _chain;
    private readonly AzuriteFixture _azurite;
    private readonly CakLeg _cak;
    private readonly DetectionOptions _detection;
    private readonly DateOnly _today = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(DateTimeOffset.UtcNow, TimeZoneInfo.FindSystemTimeZoneById("Europe/Amsterdam")).DateTime);

    public DetectionScanTests(AzuriteFixture azurite)
    {
        _azurite = azurite;
        _storage = azurite.CreateClient();
        _chain = new ChainMessages(_gemeente, _aanbieder, ChainMessages.RandomBsn(), _today.AddDays(-1));
        _tracking = new Tracking(_storage, TimeProvider.System);
        var mailboxes = new Mailboxes(_storage, TimeProvider.System);
        _ledger = new LedgerStore(_storage, "test-secret");
        _alerts = new Alerts(_storage, TimeProvider.System);
        // Each test its own due index: a scan far ahead in one test must not fire another test's deadlines early.
        var due = _due = new DueIndex(_storage, _dueTable);
        var cak = _cak = new CakLeg(new CakPolicies(new Dictionary<string, CakPolicy>()), Tariffs.With([new(2026, 2200), new(2027, 2300)]), "CAK", new CakOutbox(_storage));
        var detection = _detection = new DetectionOptions(Calendar);
        _intake = new Intake(_storage, _tracking, mailboxes, Schemas, new IntakeOptions(), TimeProvider.System);
        _router = new Router(_tracking, mailboxes, _ledger, _storage, Schemas, new IntakeOptions { ChainGrace = TimeSpan.Zero }, TimeProvider.System, cak, _alerts, due, detection);
        _scanner = new Scanner(due, _ledger, _tracking, _alerts, cak, detection, TimeProvider.System);
        Task.WhenAll(_intake.EnsureStorageAsync(), _ledger.EnsureTableAsync(), _alerts.EnsureTableAsync(), due.EnsureTableAsync(), cak.Outbox.EnsureTableAsync())
            .GetAwaiter().GetResult();
    }

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
        var deadline = Calendar.MissedFrom(_today, 5);

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

        var warned = await _scanner.ScanAsync(firstBilled.AddMonths(1));
        var warning = Assert.Single(await AlertsAsync(DueRules.Stack));
        var escalated = await _scanner.ScanAsync(firstBilled.AddMonths(2));
        var critical = Assert.Single(await AlertsAsync(DueRules.Stack));
        Assert.Equal((0, 1), (warned.CriticalStacks, escalated.CriticalStacks));

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
        var deadline = Calendar.MissedFrom(_today, 5);

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

    [Fact]
    public async Task A_delivery_whose_toewijzing_ended_without_a_stop_raises_R3_307_on_the_sixth_working_day_and_the_stop_resolves_it()
    {
        var begin = _today.AddDays(-30);
        var end = _today.AddDays(-20);
        await RouteAsync(_chain.Toewijzing(310, end));
        await RouteAsync(_chain.Start(310, begin));
        var deadline = Calendar.MissedFrom(end, 5);

        await _scanner.ScanAsync(deadline.AddDays(-1));
        Assert.Empty(await AlertsAsync(DueRules.MissingStop));
        await _scanner.ScanAsync(deadline);
        var alert = Assert.Single(await AlertsAsync(DueRules.MissingStop));
        Assert.Equal((_aanbieder, 310L), (alert.Owner, alert.ToewijzingNummer));
        Assert.Contains("stopbericht (WMO307)", alert.Explanation, StringComparison.Ordinal);

        await RouteAsync(_chain.Stop(310, begin, end));
        await _scanner.ScanAsync(deadline.AddDays(1));
        Assert.Equal(AlertStatus.Resolved, Assert.Single(await AlertsAsync(DueRules.MissingStop)).Status);
        // The stop came long after the end: late on receipt (OP272), owned by the aanbieder.
        Assert.Equal(_aanbieder, Assert.Single(await AlertsAsync("R3-307-laat")).Owner);
    }

    [Fact]
    public async Task A_stop_within_five_working_days_of_its_end_is_not_late()
    {
        var begin = _today.AddDays(-30);
        var end = _today.AddDays(-3);
        await RouteAsync(_chain.Toewijzing(311, end));
        await RouteAsync(_chain.Start(311, begin));
        await RouteAsync(_chain.Stop(311, begin, end));

        Assert.Empty(await AlertsAsync("R3-307-laat"));
    }

    [Fact]
    public async Task An_unanswered_request_raises_R3_315_for_the_gemeente_in_onderzoek_moves_it_to_eight_weeks_and_the_toewijzing_resolves_it()
    {
        var aanvraag = _chain.Aanvraag("REF-315-1");
        await RouteAsync(aanvraag);
        var deadline = Calendar.MissedFrom(_today, 5);

        await _scanner.ScanAsync(deadline.AddDays(-1));
        Assert.Empty(await AlertsAsync(DueRules.UnansweredRequest));
        await _scanner.ScanAsync(deadline);
        var alert = Assert.Single(await AlertsAsync(DueRules.UnansweredRequest));
        Assert.Equal((_gemeente, AlertSeverity.Warning), (alert.Owner, alert.Severity));
        Assert.Contains("REF-315-1", alert.Explanation, StringComparison.Ordinal);

        // "In onderzoek" (WMO319 VerzoekAntwoord 2, which names no client): the gemeente has 8 weeks from the dagtekening.
        await RouteAsync(_chain.Antwoord("REF-315-1", "2"));
        await _scanner.ScanAsync(deadline.AddDays(1));
        Assert.Equal(AlertStatus.Resolved, Assert.Single(await AlertsAsync(DueRules.UnansweredRequest)).Status);
        // Eight weeks after the dagtekening is the last day on time; from the day after, it is late.
        var eightWeeks = aanvraag.Header.BerichtIdentificatie.Dagtekening.AddDays(56 + 1);
        await _scanner.ScanAsync(eightWeeks.AddDays(-1));
        Assert.Equal(AlertStatus.Resolved, Assert.Single(await AlertsAsync(DueRules.UnansweredRequest)).Status);
        await _scanner.ScanAsync(eightWeeks);
        var late = Assert.Single(await AlertsAsync(DueRules.UnansweredRequest));
        Assert.Equal((AlertStatus.Open, AlertSeverity.Critical), (late.Status, late.Severity));
        Assert.Contains("8 weken", late.Explanation, StringComparison.Ordinal);

        await RouteAsync(_chain.Toewijzing(312, null, "REF-315-1"));
        await _scanner.ScanAsync(eightWeeks.AddDays(1));
        Assert.Equal(AlertStatus.Resolved, Assert.Single(await AlertsAsync(DueRules.UnansweredRequest)).Status);
    }

    [Fact]
    public async Task A_heenbericht_without_its_retour_after_three_working_days_raises_R3_retour_for_the_addressee_and_the_retour_resolves_it()
    {
        var toewijzing = _chain.Toewijzing(313);
        await RouteAsync(toewijzing);
        var deadline = Calendar.MissedFrom(_today, 3);

        await _scanner.ScanAsync(deadline.AddDays(-1));
        Assert.Empty(await AlertsAsync(DueRules.MissingRetour));
        await _scanner.ScanAsync(deadline);
        var alert = Assert.Single(await AlertsAsync(DueRules.MissingRetour));
        Assert.Equal((_aanbieder, _gemeente, _aanbieder), (alert.Owner, alert.Gemeente, alert.Aanbieder));
        Assert.Contains("WMO301", alert.Explanation, StringComparison.Ordinal);

        var retour = new Wmo.Messages.Retour.RetourWriter(Schemas).Write(IwmoXml.Write(toewijzing), Wmo.Messages.Retour.RetourVerdict.Approved, "R" + Guid.NewGuid().ToString("N")[..10], _today);
        var accepted = Assert.IsType<IntakeResult.Accepted>(await _intake.ReceiveAsync(new Caller(_aanbieder, Role.Aanbieder),
            System.Text.Encoding.UTF8.GetBytes(retour.Declaration + retour.ToString())));
        var record = (await _tracking.GetAsync(accepted.Id))!;
        await _router.RouteAsync(new InboxMessage(accepted.Id, record.Blob, record.Bericht, record.Afzender, record.ReceivedOn));
        await _scanner.ScanAsync(deadline.AddDays(1));

        Assert.Equal(AlertStatus.Resolved, Assert.Single(await AlertsAsync(DueRules.MissingRetour)).Status);
    }

    [Fact]
    public async Task A_declaration_without_its_325_raises_R3_325_for_the_gemeente_after_ten_working_days()
    {
        await RouteAsync(_chain.Toewijzing(314));
        await RouteAsync(_chain.Declaratie(314, _today.AddDays(-30), _today.AddDays(-2)));
        var deadline = Calendar.MissedFrom(_today, 10);

        await _scanner.ScanAsync(deadline.AddDays(-1));
        Assert.Empty(await AlertsAsync(DueRules.MissingDeclaratieAntwoord));
        await _scanner.ScanAsync(deadline);

        Assert.Equal(_gemeente, Assert.Single(await AlertsAsync(DueRules.MissingDeclaratieAntwoord)).Owner);
    }

    [Fact]
    public async Task A_start_further_back_than_the_configured_cap_raises_R5_with_the_months_the_gemeente_loses()
    {
        var begin = _today.AddMonths(-7);
        await RouteAsync(_chain.Toewijzing(316));
        await RouteAsync(_chain.Start(316, begin));
        var capped = new Scanner(_due, _ledger, _tracking, _alerts,
            new CakLeg(new CakPolicies(new Dictionary<string, CakPolicy>()), Tariffs.With([new(2025, 2100), new(2026, 2200), new(2027, 2300)]), "CAK", new CakOutbox(_storage)),
            new DetectionOptions(Calendar, RetroactiveCapMonths: 4), TimeProvider.System);

        await capped.ScanAsync(_today);

        var r5 = Assert.Single(await AlertsAsync(DueRules.RetroactiveCap));
        var stack = Assert.Single(await AlertsAsync(DueRules.Stack));
        Assert.Equal(stack.MonthsAtRisk - 4, r5.MonthsAtRisk);
        Assert.Equal((_gemeente, AlertSeverity.Critical), (r5.Owner, r5.Severity));
        Assert.Contains("niet meer kan innen", r5.Explanation, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_stack_amount_sums_each_months_tariff_across_a_year_boundary()
    {
        await RouteAsync(_chain.Toewijzing(317));
        var begin = new DateOnly(_today.Year, 11, 15) is var nov && nov <= _today ? nov : nov.AddYears(-1);
        await RouteAsync(_chain.Start(317, begin));
        var asOf = new DateOnly(begin.Year + 1, 2, 10); // December, January, February: one month at the old tariff, two at the new

        await _scanner.ScanAsync(asOf);

        var alert = Assert.Single(await AlertsAsync(DueRules.Stack));
        Assert.Equal(3, alert.MonthsAtRisk);
        long Tariff(int year) => year switch { 2026 => 2200, 2027 => 2300, _ => 0 };
        Assert.Equal(Tariff(begin.Year) + (2 * Tariff(begin.Year + 1)), alert.AmountAtRiskCents);
    }

    private string PersonId => _ledger.PersonId(_gemeente, _chain.Bsn);

    private async Task<List<DueRow>> RowsAsync(DateOnly upTo)
    {
        var rows = new List<DueRow>();
        await foreach (var row in _due.DueAsync(upTo))
        {
            rows.Add(row);
        }

        return rows;
    }

    /// <summary>Counts the requests that read a person's chain from the ledger (table <c>ketens</c>).</summary>
    private sealed class LedgerReads : HttpPipelineSynchronousPolicy
    {
        public int Count;

        public override void OnSendingRequest(HttpMessage message)
        {
            if (message.Request.Method == RequestMethod.Get && message.Request.Uri.Path.Contains("/" + LedgerStore.TableName + "(", StringComparison.Ordinal))
            {
                Interlocked.Increment(ref Count);
            }
        }
    }

    [Fact]
    public async Task Routing_keeps_a_copy_of_the_chain_in_each_due_row_so_the_scan_raises_without_reading_the_ledger_and_confirms_before_it_resolves()
    {
        var reads = new LedgerReads();
        var counted = _azurite.CreateClient(options => options.AddPolicy(reads, HttpPipelinePosition.PerCall));
        var scanner = new Scanner(_due, new LedgerStore(counted, "test-secret"), _tracking, _alerts, _cak, _detection, TimeProvider.System);
        await RouteAsync(_chain.Toewijzing(310));
        var deadline = Calendar.MissedFrom(_today, 5);

        var row = Assert.Single(await RowsAsync(deadline), r => r.Item.PersonId == PersonId);
        Assert.Equal(await _ledger.GetStateBytesAsync(PersonId), row.Snapshot);

        await scanner.ScanAsync(deadline);
        Assert.Equal(0, reads.Count);
        Assert.Equal(AlertStatus.Open, Assert.Single(await AlertsAsync(DueRules.MissingStart)).Status);

        // The start arrives: routing rewrites the row with the chain that has it, and the scan, before it resolves
        // the alert and drops the row, reads the ledger once to confirm.
        await RouteAsync(_chain.Start(310, _today.AddDays(-1)));
        row = Assert.Single(await RowsAsync(deadline), r => r.Item.Rule == DueRules.MissingStart && r.Item.PersonId == PersonId);
        Assert.Equal(await _ledger.GetStateBytesAsync(PersonId), row.Snapshot);

        await scanner.ScanAsync(deadline.AddDays(1));
        Assert.Equal(1, reads.Count);
        Assert.Equal(AlertStatus.Resolved, Assert.Single(await AlertsAsync(DueRules.MissingStart)).Status);
        Assert.DoesNotContain(await RowsAsync(deadline), r => r.Item.Rule == DueRules.MissingStart && r.Item.PersonId == PersonId);
    }

    [Fact]
    public async Task A_copy_that_says_the_start_arrived_while_the_ledger_has_none_never_drops_the_deadline()
    {
        await RouteAsync(_chain.Toewijzing(311));
        var deadline = Calendar.MissedFrom(_today, 5);
        var row = Assert.Single(await RowsAsync(deadline), r => r.Item.PersonId == PersonId);

        // A wrong copy (as a writer that lost a race would leave it for a moment): it has a start the ledger lacks.
        var ledgerState = (await _ledger.GetStateAsync(PersonId))!;
        var wrong = ChainLedger.Apply(ledgerState, _chain.Start(311, _today.AddDays(-1)), _chain.Bsn, Guid.NewGuid(), new DateTimeOffset(_today.ToDateTime(new TimeOnly(12, 0)), TimeSpan.Zero)).State;
        await _due.ScheduleAsync([row.Item], LedgerStore.SerializeState(wrong));

        await _scanner.ScanAsync(deadline);

        Assert.Equal(AlertStatus.Open, Assert.Single(await AlertsAsync(DueRules.MissingStart)).Status);
        Assert.Contains(await RowsAsync(deadline), r => r.Item == row.Item);
    }

    [Fact]
    public async Task Writers_of_a_persons_deadlines_that_finish_out_of_order_leave_the_newest_chain_in_every_row()
    {
        await RouteAsync(_chain.Toewijzing(312));
        var older = (await _ledger.GetStateAsync(PersonId))!;
        await RouteAsync(_chain.Start(312, _today.AddDays(-1)));
        var newest = await _ledger.GetStateBytesAsync(PersonId);
        var horizon = _today.AddYears(2);
        var before = (await RowsAsync(horizon)).Count(r => r.Item.PersonId == PersonId);

        // The 301's writer finishes last, with the chain it committed: it must not leave that older chain behind.
        var olderDeadlines = DueRules.For(PersonId, older, _cak.Policies.For(_gemeente), _cak.Tariffs, Calendar, _today, _detection.StackThreshold).ToList();
        await new DeadlineSync(_due, _ledger, _cak, _detection).SyncAsync(PersonId, olderDeadlines, older, _today);

        var rows = (await RowsAsync(horizon)).Where(r => r.Item.PersonId == PersonId).ToList();
        Assert.Contains(rows, r => r.Item.Rule == DueRules.MissingStart);
        Assert.Contains(rows, r => r.Item.Rule == DueRules.Stack);
        Assert.All(rows, r => Assert.Equal(newest, r.Snapshot));
        Assert.Equal(before, rows.Count);
    }

    [Fact]
    public async Task Deadlines_spread_over_sixteen_partitions_with_each_persons_rows_in_one_and_rows_from_before_the_shards_still_read_and_removed()
    {
        var day = _today.AddDays(30);
        var persons = Enumerable.Range(0, 64).Select(i => _ledger.PersonId(_gemeente, ChainMessages.RandomBsn())).ToList();
        await _due.ScheduleManyAsync(persons.SelectMany(p => new[] { new DueItem(DueRules.MissingStart, p, "1", day), new DueItem(DueRules.Stack, p, "1", day) })
            .Select(d => (d, (byte[]?)null)));

        var rows = (await RowsAsync(day)).Where(r => persons.Contains(r.Item.PersonId)).ToList();
        Assert.Equal(128, rows.Count);
        Assert.All(rows, r => Assert.Equal(day, r.Item.Due));
        Assert.All(rows.GroupBy(r => r.Item.PersonId), g => Assert.Single(g.Select(r => r.Partition).Distinct()));
        var partitions = rows.Select(r => r.Partition).Distinct().ToList();
        Assert.All(partitions, p => Assert.Matches("^due\\|[0-9a-f]$", p));
        Assert.InRange(partitions.Count, 8, 16); // 64 persons over 16 shards: all but a few shards get some

        // Rows from before the person shards (PartitionKey the date, with or without a day shard; RowKey without the
        // date) are still due on their day, and the scan can remove them.
        foreach (var (legacy, partition) in new[]
        {
            (new DueItem(DueRules.MissingStart, persons[0], "2", day), day.ToString("yyyyMMdd", System.Globalization.CultureInfo.InvariantCulture)),
            (new DueItem(DueRules.MissingStart, persons[0], "3", day), day.ToString("yyyyMMdd", System.Globalization.CultureInfo.InvariantCulture) + "|7"),
        })
        {
            await _storage.GetTable(_dueTable).UpsertAsync(new TableEntity(partition, $"{legacy.PersonId}|{legacy.Rule}|{legacy.Key}")
                { ["Rule"] = legacy.Rule, ["PersonId"] = legacy.PersonId, ["Key"] = legacy.Key });
            Assert.DoesNotContain(await RowsAsync(day.AddDays(-1)), r => r.Item == legacy);
            var read = Assert.Single(await RowsAsync(day), r => r.Item == legacy);
            Assert.True(await _due.RemoveAsync(read));
            Assert.DoesNotContain(await RowsAsync(day), r => r.Item == legacy);
        }

        // A person's deadlines on different days still share the person's partition: one write rewrites them all.
        var later = new DueItem(DueRules.Stack, persons[1], "9", day.AddDays(40));
        await _due.ScheduleAsync([later, new DueItem(DueRules.MissingStart, persons[1], "1", day)], [1, 2, 3]);
        var both = (await RowsAsync(day.AddDays(40))).Where(r => r.Item.PersonId == persons[1]).ToList();
        Assert.Single(both.Select(r => r.Partition).Distinct());
        Assert.Contains(both, r => r.Item == later && r.Snapshot!.SequenceEqual(new byte[] { 1, 2, 3 }));
        Assert.DoesNotContain(await RowsAsync(day), r => r.Item == later);
    }
}
