using Wmo.Hub.Cak;
using Wmo.Hub.Chain;
using Wmo.Messages.Model;

namespace Wmo.Hub.Tests;

/// <summary>The per-person eigen-bijdrage state machine: derived periods and the WMO405 lines they cause.</summary>
public sealed class EigenBijdragePlannerTests
{
    private static readonly DateOnly Today = new(2026, 6, 15);
    private static readonly DateTimeOffset Now = new(2026, 6, 15, 10, 0, 0, TimeSpan.Zero);
    private static readonly Tariffs Tariffs = Tariffs.With([new(2026, 2200)]);
    private static readonly CakPolicy ByStart = CakPolicy.Default;
    private static readonly CakPolicy ByToewijzing = CakPolicies.Read("Toewijzing", null, null, null, CakPolicy.Default);
    private static readonly CakPolicy ByDeclaratie = CakPolicies.Read("Declaratie", null, null, null, CakPolicy.Default);

    private static DateOnly D(int month, int day) => new(2026, month, day);

    private static ToewijzingState Toewijzing(long nummer, DateOnly ingang, DateOnly? eind = null, string categorie = "02", long? budget = null, string? reden = null) =>
        new(nummer, "12345678", categorie, null, ingang, ingang, eind, reden, Guid.NewGuid(), Now) { Budget = budget };

    private static ChainState State(IEnumerable<ToewijzingState> toewijzingen, IEnumerable<StartState>? starts = null, IEnumerable<StopState>? stops = null,
        IEnumerable<CakPeriodState>? cak = null, IEnumerable<DeclaratieSpan>? declaraties = null) =>
        new ChainState("0363", "999900006", [.. toewijzingen], [.. starts ?? []], [.. stops ?? []])
        {
            Client = new ClientInfo(new Geboortedatum(new DateOnly(1950, 1, 1), null), "1", new VerkorteNaam(new Achternaam("Jansen", null), null, "J")),
            Cak = [.. cak ?? []],
            Declaraties = [.. declaraties ?? []],
        };

    private static StartState Start(long t, DateOnly begin) => new(t, begin, true, Guid.NewGuid(), Now);

    private static StopState Stop(long t, DateOnly begin, DateOnly end, string reden = "19") => new(t, begin, reden, end, true, Guid.NewGuid(), Now);

    private static CakPlan Plan(ChainState state, CakPolicy? policy = null) => EigenBijdragePlanner.Plan(state, policy ?? ByStart, Tariffs, Today, Guid.NewGuid(), Now);

    private static ChainState After(ChainState state, CakPlan plan) => state with { Cak = plan.Cak };

    [Fact]
    public void The_first_reported_start_sends_one_start_and_a_second_voorziening_while_it_runs_sends_nothing()
    {
        var one = State([Toewijzing(1, D(2, 1))], [Start(1, D(2, 3))]);
        var first = Plan(one);
        var two = After(one, first) with { Toewijzingen = [.. one.Toewijzingen, Toewijzing(2, D(3, 1))], Starts = [.. one.Starts, Start(2, D(3, 5))] };

        var second = Plan(two);

        Assert.Equal([new EigenBijdragePeriode(D(2, 3), null, "02", null, "1")], first.Lines);
        Assert.True(second.IsEmpty);
    }

    [Fact]
    public void Only_when_the_last_overlapping_voorziening_stops_does_the_stop_go_out()
    {
        var state = State([Toewijzing(1, D(2, 1)), Toewijzing(2, D(3, 1))], [Start(1, D(2, 3)), Start(2, D(3, 5))]);
        state = After(state, Plan(state));

        var firstStopped = state with { Stops = [Stop(1, D(2, 3), D(4, 30))] };
        Assert.True(Plan(firstStopped).IsEmpty);
        var bothStopped = firstStopped with { Stops = [.. firstStopped.Stops, Stop(2, D(3, 5), D(5, 31))] };
        var stop = Plan(bothStopped);

        Assert.Equal([new EigenBijdragePeriode(D(2, 3), D(5, 31), "02", null, "1")], stop.Lines);
        Assert.Equal(D(5, 31), Assert.Single(stop.Cak, c => c.Stands).Einddatum);
    }

    [Fact]
    public void A_gap_between_voorzieningen_makes_two_periods_and_a_new_start_months_later_a_new_period()
    {
        var state = State([Toewijzing(1, D(1, 1)), Toewijzing(2, D(5, 1))],
            [Start(1, D(1, 10)), Start(2, D(5, 2))], [Stop(1, D(1, 10), D(2, 28))]);

        var plan = Plan(state);

        Assert.Equal([new EigenBijdragePeriode(D(1, 10), D(2, 28), "02", null, "1"), new EigenBijdragePeriode(D(5, 2), null, "02", null, "1")], plan.Lines);
    }

    [Fact]
    public void A_correction_of_the_start_withdraws_the_period_and_sends_the_corrected_one_without_duplicates()
    {
        var state = State([Toewijzing(1, D(2, 1))], [Start(1, D(2, 3))]);
        state = After(state, Plan(state));
        var corrected = state with { Starts = [Start(1, D(2, 3)) with { Current = false }, Start(1, D(2, 10))] };

        var plan = Plan(corrected);
        var again = Plan(After(corrected, plan));

        Assert.Equal([new EigenBijdragePeriode(D(2, 3), null, "02", null, "3"), new EigenBijdragePeriode(D(2, 10), null, "02", null, "1")], plan.Lines);
        Assert.True(again.IsEmpty);
    }

    [Fact]
    public void A_deleted_toewijzing_withdraws_its_period()
    {
        var state = State([Toewijzing(1, D(2, 1))], [Start(1, D(2, 3))]);
        state = After(state, Plan(state));

        var plan = Plan(state with { Toewijzingen = [Toewijzing(1, D(2, 1), reden: "13")] });

        Assert.Equal([new EigenBijdragePeriode(D(2, 3), null, "02", null, "3")], plan.Lines);
    }

    [Fact]
    public void A_retroactive_toewijzing_under_the_toewijzing_policy_starts_on_its_ingangsdatum_in_the_past()
    {
        var plan = Plan(State([Toewijzing(1, D(1, 1), D(12, 31))]), ByToewijzing);

        Assert.Equal([new EigenBijdragePeriode(D(1, 1), D(12, 31), "02", null, "1")], plan.Lines);
    }

    [Fact]
    public void Under_the_declaratie_policy_the_first_declaration_starts_it_and_the_last_one_stops_it_once_delivery_ended()
    {
        var running = State([Toewijzing(1, D(1, 1))], [Start(1, D(1, 5))], declaraties: [new DeclaratieSpan(1, D(2, 1), D(3, 31))]);
        var ended = running with { Stops = [Stop(1, D(1, 5), D(4, 20))], Declaraties = [new DeclaratieSpan(1, D(2, 1), D(4, 20))] };

        Assert.Equal([new EigenBijdragePeriode(D(2, 1), null, "02", null, "1")], Plan(running, ByDeclaratie).Lines);
        Assert.True(Plan(State([Toewijzing(1, D(1, 1))]), ByDeclaratie).IsEmpty);
        Assert.Equal([new EigenBijdragePeriode(D(2, 1), D(4, 20), "02", null, "1")], Plan(ended, ByDeclaratie).Lines);
    }

    [Fact]
    public void A_second_hulpmiddel_costing_more_than_what_remains_of_the_first_melding_raises_the_kostprijs()
    {
        var first = State([Toewijzing(1, D(1, 1), categorie: "14", budget: 30000)], [Start(1, D(1, 1))]);
        first = After(first, Plan(first));
        // Five months later 5 × €22 is used of the €300: €190 remains. A €250 hulpmiddel exceeds that, a €150 one does not.
        var cheap = first with { Toewijzingen = [.. first.Toewijzingen, Toewijzing(2, D(6, 1), categorie: "11", budget: 15000)], Starts = [.. first.Starts, Start(2, D(6, 1))] };
        var dear = first with { Toewijzingen = [.. first.Toewijzingen, Toewijzing(2, D(6, 1), categorie: "11", budget: 25000)], Starts = [.. first.Starts, Start(2, D(6, 1))] };

        Assert.Equal(30000, Assert.Single(first.Cak).Kostprijs);
        Assert.True(Plan(cheap).IsEmpty);
        Assert.Equal([new EigenBijdragePeriode(D(1, 1), null, "14", 30000, "3"), new EigenBijdragePeriode(D(1, 1), null, "14", 25000, "1")], Plan(dear).Lines);
    }

    [Fact]
    public void Excluded_categories_do_not_count_and_a_period_with_support_besides_hulpmiddelen_has_no_kostprijs_cap()
    {
        var policy = CakPolicies.Read(null, null, "12", null, CakPolicy.Default);
        var vervoer = State([Toewijzing(1, D(1, 1), categorie: "12")], [Start(1, D(1, 1))]);
        var mixed = State([Toewijzing(1, D(1, 1), categorie: "14", budget: 30000), Toewijzing(2, D(1, 1))], [Start(1, D(1, 1)), Start(2, D(1, 1))]);

        Assert.True(Plan(vervoer, policy).IsEmpty);
        Assert.Null(Assert.Single(Plan(mixed).Lines).Kostprijs);
    }

    [Fact]
    public void A_period_the_CAK_rejected_is_not_sent_again_unchanged_but_a_correction_or_a_reset_sends_it()
    {
        var state = State([Toewijzing(1, D(2, 1))], [Start(1, D(2, 3))]);
        var sent = After(state, Plan(state));
        var rejected = sent with { Cak = [.. sent.Cak.Select(c => c with { Status = CakPeriodState.Rejected, Codes = ["C001"] })] };

        Assert.True(Plan(rejected).IsEmpty);
        Assert.Equal("1", Assert.Single(Plan(EigenBijdragePlanner.ForgetRejections(rejected)).Lines).StatusAanlevering);
        var moved = rejected with { Starts = [Start(1, D(2, 3)) with { Current = false }, Start(1, D(2, 4))] };
        Assert.Equal([new EigenBijdragePeriode(D(2, 4), null, "02", null, "1")], Plan(moved).Lines);
    }

    [Fact]
    public void A_stop_deleted_and_sent_again_with_another_date_withdraws_the_stopped_period_and_sends_the_corrected_one()
    {
        var state = State([Toewijzing(1, D(2, 1))], [Start(1, D(2, 3))]);
        state = After(state, Plan(state));
        var stopped = state with { Stops = [Stop(1, D(2, 3), D(4, 30))] };
        stopped = After(stopped, Plan(stopped));

        var deleted = stopped with { Stops = [Stop(1, D(2, 3), D(4, 30)) with { Current = false }] };
        var reopened = Plan(deleted);
        var corrected = After(deleted, reopened) with { Stops = [Stop(1, D(2, 3), D(4, 30)) with { Current = false }, Stop(1, D(2, 3), D(5, 15))] };
        var stopAgain = Plan(corrected);

        Assert.Equal([new EigenBijdragePeriode(D(2, 3), D(4, 30), "02", null, "3"), new EigenBijdragePeriode(D(2, 3), null, "02", null, "1")], reopened.Lines);
        Assert.Equal([new EigenBijdragePeriode(D(2, 3), D(5, 15), "02", null, "1")], stopAgain.Lines);
        Assert.Single(After(corrected, stopAgain).Cak, c => c.Stands);
    }
}
