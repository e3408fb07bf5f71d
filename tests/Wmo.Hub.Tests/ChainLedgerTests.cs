using Wmo.Hub.Chain;
using Wmo.Messages.Model;

namespace Wmo.Hub.Tests;

/// <summary>The chain rules that need history, on a person's state, without storage.</summary>
public sealed class ChainLedgerTests
{
    private const string Gemeente = "0363";
    private const string Aanbieder = "65656055";
    private const string Bsn = "999900006";
    private static readonly DateTimeOffset At = new(2026, 3, 1, 9, 0, 0, TimeSpan.Zero);
    private static readonly XsdVersie Versie = new("1.0.0", "1.0.0");
    private static readonly Geboortedatum Geboren = new(new DateOnly(1950, 1, 1), null);
    private static readonly VerkorteNaam Naam = new(new Achternaam("Jansen", null), null, "J");
    private static readonly DateOnly Ingang = new(2026, 2, 1);

    private static Header Header(string code, string from, string to) =>
        new(code, 3, 2, from, to, new BerichtIdentificatie(Guid.NewGuid().ToString("N")[..12], new DateOnly(2026, 3, 1)), Versie);

    private static Wmo301 Toewijzing(long nummer, string? reden = null, string aanbieder = Aanbieder) => new(
        Header("414", Gemeente, aanbieder),
        new Wmo301Client(Bsn, Geboren, "1", new VolledigeNaam(new Achternaam("Jansen", null), null, null, "J", "1"), null, null, null, null, [], [],
            [new ToegewezenProduct(nummer, null, new Product("02", "02A01"), Ingang.AddDays(-3), new TimeOnly(9, 0), Ingang, null, reden, null, null, null)]));

    private static Wmo305 Start(params StartProduct[] products) =>
        new(Header("418", Aanbieder, Gemeente), new Wmo305Client(Bsn, Geboren, "1", Naam, products));

    private static Wmo307 Stop(params StopProduct[] products) =>
        new(Header("420", Aanbieder, Gemeente), new Wmo307Client(Bsn, Geboren, "1", Naam, products));

    private static StartProduct StartOn(long nummer, DateOnly begin, string status = "1") => new(nummer, null, null, begin, status);

    private static StopProduct StopOn(long nummer, DateOnly begin, DateOnly end, string reden = "19", string status = "1") => new(nummer, null, null, begin, reden, end, status);

    private static ChainOutcome Apply(ChainState state, IIwmoMessage message) => ChainLedger.Apply(state, message, Bsn, Guid.NewGuid(), At);

    private static ChainState Given(params IIwmoMessage[] messages) =>
        messages.Aggregate(ChainState.Empty(Gemeente, Bsn), (state, m) =>
        {
            var outcome = Apply(state, m);
            Assert.Empty(outcome.Findings);
            return outcome.State;
        });

    private static readonly DateOnly Begin = new(2026, 2, 3);

    [Fact]
    public void A_start_on_a_toewijzing_the_hub_knows_is_recorded_as_current()
    {
        var outcome = Apply(Given(Toewijzing(101)), Start(StartOn(101, Begin)));

        Assert.Empty(outcome.Findings);
        Assert.Single(outcome.State.CurrentStarts(101), s => s.Begindatum == Begin);
        Assert.Equal(LedgerEventKinds.Start, Assert.Single(outcome.Events).Kind);
    }

    [Fact]
    public void A_start_on_an_unknown_toewijzing_is_9019_and_changes_nothing()
    {
        var state = Given(Toewijzing(101));

        var outcome = Apply(state, Start(StartOn(999, Begin)));

        var finding = Assert.Single(outcome.Findings);
        Assert.Equal("9019", finding.RetourCode);
        Assert.Equal("/Bericht/Client/StartProducten/StartProduct", finding.Location);
        Assert.Empty(outcome.State.Starts);
    }

    [Fact]
    public void A_start_on_a_toewijzing_of_another_aanbieder_or_a_deleted_one_is_9019()
    {
        var other = Given(Toewijzing(101, aanbieder: "42420001"));
        var deleted = Given(Toewijzing(101), Toewijzing(101, reden: "13"));

        Assert.Equal("9019", Assert.Single(Apply(other, Start(StartOn(101, Begin))).Findings).RetourCode);
        Assert.Equal("9019", Assert.Single(Apply(deleted, Start(StartOn(101, Begin))).Findings).RetourCode);
    }

    [Fact]
    public void A_second_start_while_the_first_is_not_stopped_is_9326_and_the_same_start_again_is_9074()
    {
        var state = Given(Toewijzing(101), Start(StartOn(101, Begin)));

        Assert.Equal("9326", Assert.Single(Apply(state, Start(StartOn(101, Begin.AddDays(10)))).Findings).RetourCode);
        Assert.Equal("9074", Assert.Single(Apply(state, Start(StartOn(101, Begin))).Findings).RetourCode);
    }

    [Fact]
    public void A_new_start_after_a_stop_is_accepted_months_later()
    {
        var state = Given(Toewijzing(101), Start(StartOn(101, Begin)), Stop(StopOn(101, Begin, Begin.AddDays(20))));

        var outcome = Apply(state, Start(StartOn(101, Begin.AddMonths(4))));

        Assert.Empty(outcome.Findings);
        Assert.Equal(2, outcome.State.CurrentStarts(101).Count());
    }

    [Fact]
    public void A_correction_deletes_the_start_and_sends_it_again_in_one_message()
    {
        var state = Given(Toewijzing(101), Start(StartOn(101, Begin)));

        var outcome = Apply(state, Start(StartOn(101, Begin, "3"), StartOn(101, Begin.AddDays(1))));

        Assert.Empty(outcome.Findings);
        Assert.Equal(Begin.AddDays(1), Assert.Single(outcome.State.CurrentStarts(101)).Begindatum);
        Assert.Equal([LedgerEventKinds.StartVerwijderd, LedgerEventKinds.Start], outcome.Events.Select(e => e.Kind));
    }

    [Fact]
    public void Deleting_a_start_or_stop_that_was_never_sent_is_9063()
    {
        var state = Given(Toewijzing(101), Start(StartOn(101, Begin)));

        Assert.Equal("9063", Assert.Single(Apply(state, Start(StartOn(101, Begin.AddDays(5), "3"))).Findings).RetourCode);
        Assert.Equal("9063", Assert.Single(Apply(state, Stop(StopOn(101, Begin, Begin.AddDays(9), status: "3"))).Findings).RetourCode);
    }

    [Fact]
    public void A_stop_without_a_current_start_is_9069()
    {
        var state = Given(Toewijzing(101));

        var outcome = Apply(state, Stop(StopOn(101, Begin, Begin.AddDays(30))));

        Assert.Equal("9069", Assert.Single(outcome.Findings).RetourCode);
        Assert.Empty(outcome.State.Stops);
    }

    [Fact]
    public void A_temporary_stop_may_be_followed_by_a_definitive_one_but_not_by_a_second_temporary_one()
    {
        var state = Given(Toewijzing(101), Start(StartOn(101, Begin)), Stop(StopOn(101, Begin, Begin.AddDays(30), "20")));

        Assert.Equal("9413", Assert.Single(Apply(state, Stop(StopOn(101, Begin, Begin.AddDays(40), "20"))).Findings).RetourCode);
        Assert.Equal("9414", Assert.Single(Apply(state, Stop(StopOn(101, Begin, Begin.AddDays(10), "19"))).Findings).RetourCode);
        var definitive = Apply(state, Stop(StopOn(101, Begin, Begin.AddDays(60), "19")));
        Assert.Empty(definitive.Findings);
        Assert.Equal(2, definitive.State.CurrentStops(101, Begin).Count());
    }

    [Fact]
    public void After_a_definitive_stop_another_stop_is_9415()
    {
        var state = Given(Toewijzing(101), Start(StartOn(101, Begin)), Stop(StopOn(101, Begin, Begin.AddDays(30), "19")));

        Assert.Equal("9415", Assert.Single(Apply(state, Stop(StopOn(101, Begin, Begin.AddDays(40), "02"))).Findings).RetourCode);
    }

    [Fact]
    public void Only_the_rejected_class_of_a_message_is_left_out_and_the_finding_points_at_it()
    {
        var state = Given(Toewijzing(101));

        var outcome = Apply(state, Start(StartOn(101, Begin), StartOn(555, Begin)));

        var finding = Assert.Single(outcome.Findings);
        Assert.Equal("/Bericht/Client/StartProducten/StartProduct[2]", finding.Location);
        Assert.Single(outcome.State.CurrentStarts(101));
        Assert.Equal(2, outcome.Assessed);
    }

    [Fact]
    public void A_start_without_ToewijzingNummer_is_linked_by_product_and_ingangsdatum()
    {
        var state = Given(Toewijzing(101));

        var linked = Apply(state, Start(new StartProduct(null, new Product("02", "02A01"), Ingang, Begin, "1")));
        var unlinked = Apply(state, Start(new StartProduct(null, new Product("07", null), Ingang, Begin, "1")));

        Assert.Empty(linked.Findings);
        Assert.Single(linked.State.CurrentStarts(101));
        Assert.Equal("9019", Assert.Single(unlinked.Findings).RetourCode);
    }

    [Fact]
    public void A_retour_that_rejects_a_start_makes_it_no_longer_count()
    {
        var heen = Guid.NewGuid();
        var state = ChainLedger.Apply(Given(Toewijzing(101)), Start(StartOn(101, Begin)), Bsn, heen, At).State;
        var retour = new RetourBericht(Wmo.Messages.MessageCatalog.Wmo306, Header("419", Aanbieder, Gemeente), "R1", new DateOnly(2026, 3, 2), [],
            [new ClassCodes("/Bericht/Client/StartProducten/StartProduct", "StartProduct", ["9307"],
                new Dictionary<string, string> { ["ToewijzingNummer"] = "101", ["Begindatum"] = "2026-02-03" })]);

        var outcome = ChainLedger.Apply(state, retour, Bsn, Guid.NewGuid(), At, heen);

        Assert.Empty(outcome.State.CurrentStarts(101));
        Assert.Equal(["9307"], Assert.Single(outcome.Events).RetourCodes);
        Assert.Empty(Apply(outcome.State, Start(StartOn(101, Begin))).Findings); // it can be sent again
    }
}
