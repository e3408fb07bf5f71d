using Wmo.AzureStorage;
using Wmo.Hub.Cak;
using Wmo.Hub.Chain;
using Wmo.Hub.Dashboard;
using Wmo.Hub.Detection;
using Wmo.Messages.Model;
using Wmo.Testing;

namespace Wmo.Hub.Tests;

/// <summary>
/// Detection as a CAK liaison checks it by hand (domain.md §4, §6): hand-dated chains through 2025 on a test clock,
/// every expectation computed from the rules. Abonnementstarief 2025: € 21,00 a month; stack threshold 2 months.
/// </summary>
public sealed class DetectionTrustTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>
{
    private readonly StorageClients _storage = azurite.CreateClient();

    private static DateOnly D(int month, int day) => new(2025, month, day);

    private HubHarness Hub(DateOnly start, CakPolicy? policy = null) => new(_storage, start, policy);

    /// <summary>Start 6 January accepted by the CAK; 307 with Einddatum 14 February received on 17 February; the stop goes out.</summary>
    private static async Task<HubHarness.Client> StartedAndStoppedAsync(HubHarness hub)
    {
        var client = hub.NewClient();
        await client.ToewijzingAsync(1, D(1, 6));
        hub.Clock.At(D(1, 7));
        await client.StartAsync(1, D(1, 6));
        hub.Clock.At(D(1, 8));
        Assert.Equal(1, await client.CakAnswersAsync());
        hub.Clock.At(D(2, 17));
        await client.StopAsync(1, D(1, 6), D(2, 14));
        return client;
    }

    private static async Task ScanDailyAsync(HubHarness hub, DateOnly from, DateOnly to, Func<DateOnly, Task>? after = null)
    {
        for (var day = from; day <= to; day = day.AddDays(1))
        {
            await hub.ScanAsync(day);
            if (after is not null)
            {
                await after(day);
            }
        }
    }

    [Fact]
    public async Task Sending_the_stop_of_an_accepted_start_raises_no_stack_art2f_or_letter_and_an_accepted_stop_no_R6()
    {
        var hub = Hub(D(1, 6));
        var client = await StartedAndStoppedAsync(hub);
        hub.Clock.At(D(2, 18));
        Assert.Equal(1, await client.CakAnswersAsync()); // the CAK accepts the stop

        await ScanDailyAsync(hub, D(2, 18), D(6, 30), async day =>
        {
            Assert.Empty(await hub.OpenAsync(DueRules.Stack, client.PersonId));
            Assert.Empty(await hub.OpenAsync(DueRules.Art2f, client.PersonId));
            Assert.Empty(await hub.OpenAsync(DueRules.LateStop, client.PersonId));
        });
        var state = (await hub.Ledger.GetStateAsync(client.PersonId))!;
        var period = Assert.Single(state.Cak);
        Assert.Equal((CakPeriodState.Accepted, CakPeriodState.Accepted, D(2, 14)), (period.Status, period.StopStatus, period.Einddatum));
        Assert.DoesNotContain(await hub.AlertsAsync(personId: client.PersonId), ResidentLetter.Applies);
    }

    [Fact]
    public async Task A_stop_the_CAK_never_answers_raises_R6_from_April_with_the_months_billed_too_many_and_never_a_stack()
    {
        var hub = Hub(D(1, 6));
        var client = await StartedAndStoppedAsync(hub);

        await ScanDailyAsync(hub, D(2, 18), D(3, 31));
        Assert.Empty(await hub.OpenAsync(DueRules.LateStop, client.PersonId));

        var expected = new Dictionary<DateOnly, (int Months, long Cents, string Severity)>
        {
            [D(4, 1)] = (2, 4200, AlertSeverity.Warning),
            [D(5, 1)] = (3, 6300, AlertSeverity.Critical),
            [D(6, 1)] = (4, 8400, AlertSeverity.Critical),
        };
        foreach (var (day, (months, cents, severity)) in expected)
        {
            await hub.ScanAsync(day);
            var r6 = Assert.Single(await hub.OpenAsync(DueRules.LateStop, client.PersonId));
            Assert.Equal((months, cents, severity), (r6.MonthsAtRisk!.Value, r6.AmountAtRiskCents!.Value, r6.Severity));
            Assert.Empty(await hub.OpenAsync(DueRules.Stack, client.PersonId));
            Assert.Empty(await hub.OpenAsync(DueRules.Art2f, client.PersonId));
        }
    }

    [Fact]
    public async Task A_rejected_stop_is_an_R4_about_over_billing_keeps_R6_running_and_leaves_the_accepted_start_alone()
    {
        var hub = Hub(D(1, 6));
        var client = await StartedAndStoppedAsync(hub);
        hub.Clock.At(D(2, 18));
        Assert.Equal(1, await client.CakAnswersAsync(rejectCode: "C001"));

        var r4 = Assert.Single(await hub.OpenAsync(AlertRules.CakRejected, client.PersonId));
        Assert.Contains("stop van de eigen bijdrage per 14-2-2025", r4.Explanation, StringComparison.Ordinal);
        Assert.Contains("te veel", r4.Explanation, StringComparison.Ordinal);
        Assert.DoesNotContain("stapelt", r4.Explanation, StringComparison.Ordinal);
        var period = Assert.Single((await hub.Ledger.GetStateAsync(client.PersonId))!.Cak);
        Assert.Equal((CakPeriodState.Accepted, CakPeriodState.Rejected), (period.Status, period.StopStatus));

        await ScanDailyAsync(hub, D(2, 18), D(4, 1));
        Assert.Empty(await hub.OpenAsync(DueRules.Stack, client.PersonId));
        Assert.Empty(await hub.OpenAsync(DueRules.Art2f, client.PersonId));
        var r6 = Assert.Single(await hub.OpenAsync(DueRules.LateStop, client.PersonId));
        Assert.Equal((2, 4200L), (r6.MonthsAtRisk!.Value, r6.AmountAtRiskCents!.Value));
    }

    [Fact]
    public async Task A_period_that_ended_before_reaching_the_CAK_bills_only_its_own_months_so_no_stack()
    {
        var hub = Hub(D(1, 6));
        var client = hub.NewClient();
        await client.ToewijzingAsync(1, D(1, 6));
        hub.Clock.At(D(1, 7));
        await client.StartAsync(1, D(1, 6)); // the CAK never answers this start
        hub.Clock.At(D(2, 17));
        await client.StopAsync(1, D(1, 6), D(2, 14));

        await ScanDailyAsync(hub, D(2, 17), D(6, 30), async _ => Assert.Empty(await hub.OpenAsync(DueRules.Stack, client.PersonId)));

        // Art. 2f still applies: the start never reached the CAK within the month.
        Assert.Single(await hub.OpenAsync(DueRules.Art2f, client.PersonId));
    }

    [Fact]
    public async Task Day_five_is_on_time_so_a_start_on_Monday_the_13th_raises_nothing_and_a_missing_one_is_flagged_on_the_14th()
    {
        var hub = Hub(D(1, 6));
        var onTime = hub.NewClient();
        var missing = hub.NewClient();
        await onTime.ToewijzingAsync(1, D(1, 6));
        await missing.ToewijzingAsync(2, D(1, 6));

        await hub.ScanAsync(D(1, 13));
        hub.Clock.At(D(1, 13), 10);
        await onTime.StartAsync(1, D(1, 6));
        Assert.Empty(await hub.OpenAsync(DueRules.MissingStart));
        Assert.Empty(await hub.OpenAsync("R3-305-laat", onTime.PersonId));

        await hub.ScanAsync(D(1, 14));
        var r3 = Assert.Single(await hub.OpenAsync(DueRules.MissingStart));
        Assert.Equal(missing.PersonId, r3.PersonId);
    }

    [Fact]
    public async Task A_retour_deadline_of_three_working_days_and_art2f_are_missed_the_day_after_they_end()
    {
        var hub = Hub(D(1, 8));
        var client = hub.NewClient();
        var toewijzing = await client.ToewijzingAsync(1, D(1, 6)); // received Wed 8 January: the 302 is due by Mon 13
        hub.Clock.At(D(1, 9));
        await client.StartAsync(1, D(1, 6)); // the WMO405 start goes out; the CAK stays silent

        await hub.ScanAsync(D(1, 13));
        Assert.Empty(await hub.OpenAsync(DueRules.MissingRetour));
        await hub.ScanAsync(D(1, 14));
        Assert.Contains(await hub.OpenAsync(DueRules.MissingRetour), a => a.Period == toewijzing.ToString("N"));

        await hub.ScanAsync(D(2, 6)); // a month after the start of 6 January is 6 February: still within art. 2f
        Assert.Empty(await hub.OpenAsync(DueRules.Art2f, client.PersonId));
        await hub.ScanAsync(D(2, 7));
        Assert.Single(await hub.OpenAsync(DueRules.Art2f, client.PersonId));
    }

    [Fact]
    public async Task Goede_Vrijdag_and_Tweede_Paasdag_do_not_count_so_a_toewijzing_of_15_April_is_flagged_on_25_April()
    {
        var hub = Hub(D(4, 15));
        var client = hub.NewClient();
        await client.ToewijzingAsync(1, D(4, 15));

        await hub.ScanAsync(D(4, 24));
        Assert.Empty(await hub.OpenAsync(DueRules.MissingStart, client.PersonId));
        await hub.ScanAsync(D(4, 25));
        Assert.Single(await hub.OpenAsync(DueRules.MissingStart, client.PersonId));
    }

    [Fact]
    public async Task A_toewijzing_repeated_in_a_later_301_keeps_its_first_receipt_and_its_deadline()
    {
        var hub = Hub(D(1, 6));
        var client = hub.NewClient();
        await client.ToewijzingAsync(1, D(1, 6));
        await hub.ScanAsync(D(1, 9));

        hub.Clock.At(D(1, 9), 11);
        await client.ToewijzingAsync(1, D(1, 6), toegewezen: D(1, 6)); // OP087: repeated with the client's next 301
        await hub.ScanAsync(D(1, 14));

        var r3 = Assert.Single(await hub.AlertsAsync(DueRules.MissingStart, client.PersonId));
        Assert.Equal(AlertStatus.Open, r3.Status);
        Assert.Equal(D(1, 14), DateOnly.FromDateTime(r3.DueSince!.Value.UtcDateTime));
        var state = (await hub.Ledger.GetStateAsync(client.PersonId))!;
        Assert.Equal(D(1, 6), Wmo.Messages.DutchTime.DateOf(Assert.Single(state.Toewijzingen).ReceivedOn));
        Assert.Empty(await hub.OpenAsync("R7", client.PersonId)); // not "retroactive from the re-send"
    }

    [Fact]
    public async Task Without_a_305_the_gemeente_sees_an_unconfirmed_stack_from_the_Ingangsdatum_apart_in_the_backlog_and_the_305_confirms_it()
    {
        var hub = Hub(D(1, 6));
        var client = hub.NewClient();
        await client.ToewijzingAsync(1, D(1, 6));

        await ScanDailyAsync(hub, D(1, 6), D(2, 28));
        Assert.Empty(await hub.OpenAsync(DueRules.Stack, client.PersonId));
        await hub.ScanAsync(D(3, 1));
        var warning = Assert.Single(await hub.OpenAsync(DueRules.Stack, client.PersonId));
        Assert.Equal((true, 2, 4200L, AlertSeverity.Warning, hub.Gemeente), (warning.Unconfirmed, warning.MonthsAtRisk!.Value, warning.AmountAtRiskCents!.Value, warning.Severity, warning.Owner));
        Assert.Contains("nog niet bevestigd", warning.Explanation, StringComparison.Ordinal);

        await hub.ScanAsync(D(4, 1));
        var critical = Assert.Single(await hub.OpenAsync(DueRules.Stack, client.PersonId));
        Assert.Equal((true, 3, 6300L, AlertSeverity.Critical), (critical.Unconfirmed, critical.MonthsAtRisk!.Value, critical.AmountAtRiskCents!.Value, critical.Severity));
        Assert.False(ResidentLetter.Applies(critical)); // no letter on a prediction
        var backlog = Backlog.Compute(await hub.AlertsAsync(), hub.Clock.GetUtcNow()).Single(r => r.Gemeente == hub.Gemeente);
        Assert.Equal((0, 1, 6300L), (backlog.Persons, backlog.Unconfirmed, backlog.UnconfirmedCents));

        hub.Clock.At(D(4, 10));
        await client.StartAsync(1, D(1, 6)); // care did begin on 6 January
        await hub.ScanAsync(D(4, 11));
        var confirmed = Assert.Single(await hub.AlertsAsync(DueRules.Stack, client.PersonId));
        Assert.Equal((AlertStatus.Open, false, 3), (confirmed.Status, confirmed.Unconfirmed, confirmed.MonthsAtRisk!.Value));
        Assert.Equal(critical.Id, confirmed.Id);
        Assert.True(ResidentLetter.Applies(confirmed));
    }

    [Fact]
    public async Task A_start_the_CAK_accepts_late_raises_R8_with_the_realised_months_and_a_letter_that_the_bill_is_coming()
    {
        var hub = Hub(D(1, 6));
        var client = hub.NewClient();
        await client.ToewijzingAsync(1, D(1, 6));
        hub.Clock.At(D(1, 7));
        await client.StartAsync(1, D(1, 6));
        await ScanDailyAsync(hub, D(1, 8), D(4, 14));
        Assert.Single(await hub.OpenAsync(DueRules.Stack, client.PersonId));

        hub.Clock.At(D(4, 15));
        await client.CakAnswersAsync(); // accepted on 15 April: February, March and April on one invoice
        await hub.ScanAsync(D(4, 16));

        var r8 = Assert.Single(await hub.OpenAsync(DueRules.RealisedStack, client.PersonId));
        Assert.Equal((3, 6300L, AlertSeverity.Critical, hub.Gemeente), (r8.MonthsAtRisk!.Value, r8.AmountAtRiskCents!.Value, r8.Severity, r8.Owner));
        Assert.Empty(await hub.OpenAsync(DueRules.Stack, client.PersonId));
        Assert.True(ResidentLetter.Applies(r8));
        var letter = ResidentLetter.Render(r8, (await hub.Ledger.GetStateAsync(client.PersonId))!, null, hub.Cak.Tariffs, D(4, 16));
        Assert.Contains("binnenkort één", letter, StringComparison.Ordinal);
        Assert.DoesNotContain("waarschijnlijk", letter, StringComparison.Ordinal);
        Assert.Contains("63,00", letter, StringComparison.Ordinal);
        var backlog = Backlog.Compute(await hub.AlertsAsync(), hub.Clock.GetUtcNow()).Single(r => r.Gemeente == hub.Gemeente);
        Assert.Equal(new RealisedMonth("2025-04", 1, 6300), backlog.Realised[^1]);
    }

    [Fact]
    public async Task A_start_accepted_within_the_threshold_raises_no_R8_and_a_hulpmiddel_stack_is_capped_at_its_kostprijs()
    {
        var hub = Hub(D(1, 6));
        var quick = hub.NewClient();
        await quick.ToewijzingAsync(1, D(1, 6));
        hub.Clock.At(D(1, 7));
        await quick.StartAsync(1, D(1, 6));
        hub.Clock.At(D(2, 20));
        await quick.CakAnswersAsync(); // February only: one month
        Assert.Empty(await hub.OpenAsync(DueRules.RealisedStack, quick.PersonId));

        var rolstoel = hub.NewClient();
        hub.Clock.At(D(1, 6));
        await rolstoel.ToewijzingAsync(2, D(1, 6), categorie: "11", budget: 5000);
        hub.Clock.At(D(1, 7));
        await rolstoel.StartAsync(2, D(1, 6));
        hub.Clock.At(D(5, 15));
        await rolstoel.CakAnswersAsync(); // Feb–May: 4 × € 21 = € 84, capped at the kostprijs of € 50
        var r8 = Assert.Single(await hub.OpenAsync(DueRules.RealisedStack, rolstoel.PersonId));
        Assert.Equal((4, 5000L), (r8.MonthsAtRisk!.Value, r8.AmountAtRiskCents!.Value));
    }
}
