using Wmo.Messages;
using Wmo.Messages.Model;
using Wmo.Messages.Retour;

namespace Wmo.Cli.Tests;

/// <summary>The demo's five months of traffic: valid, reproducible, and holding every situation the dashboard shows.</summary>
public class DemoScenarioTests
{
    private static readonly DateOnly Today = new(2026, 11, 23);
    private static readonly SchemaRegistry Schemas = SchemaRegistry.Load();
    private static readonly IReadOnlyList<DemoMessage> Plan = DemoScenario.Generate(240, 1, Today, Schemas);

    private static IEnumerable<(DemoMessage Demo, IIwmoMessage Message)> Read() => Plan.Select(m => (m, IwmoXml.Read(IwmoXml.Load(m.Xml))));

    [Fact]
    public void Every_message_is_schema_valid_passes_the_message_rules_on_its_day_and_is_sent_by_its_sender_within_the_five_months()
    {
        var validator = new MessageValidator(Schemas);
        Assert.All(Read(), m =>
        {
            var result = validator.Validate(m.Demo.Xml);
            Assert.True(result.IsValid, string.Join("\n", result.Errors));
            // A retour keeps the heenbericht's header: its sender is the heen's addressee, its date DagtekeningRetour.
            var (sender, day) = m.Message is RetourBericht r ? (r.Header.Ontvanger, r.DagtekeningRetour) : (m.Message.Header.Afzender, m.Message.Header.BerichtIdentificatie.Dagtekening);
            Assert.Equal(m.Demo.Sender, sender);
            Assert.InRange(m.Demo.Day, DemoScenario.FirstDay(Today), Today);
            Assert.Equal(m.Demo.Day, day);
            if (!m.Message.Type.IsRetour && m.Message.Type.AnswersTo is null)
            {
                var verdict = MessageRules.Evaluate(m.Message, m.Demo.Day);
                Assert.True(verdict.IsApproved, string.Join("\n", verdict.Findings));
            }
        });
        Assert.Equal(Plan.Count, Plan.Select(m => (m.Sender, m.Bericht, IwmoXml.Read(IwmoXml.Load(m.Xml)).Header.BerichtIdentificatie.Identificatie)).Distinct().Count());
    }

    [Fact]
    public void The_same_seed_and_day_give_the_same_messages()
    {
        var again = DemoScenario.Generate(240, 1, Today, Schemas);
        Assert.Equal(Plan.Select(m => Convert.ToHexString(m.Xml)), again.Select(m => Convert.ToHexString(m.Xml)));
        Assert.NotEqual(Plan.Select(m => Convert.ToHexString(m.Xml)), DemoScenario.Generate(240, 2, Today, Schemas).Select(m => Convert.ToHexString(m.Xml)));
    }

    [Fact]
    public void It_holds_every_situation_a_detection_rule_looks_for()
    {
        var messages = Read().ToList();
        var toewijzingen = messages.Where(m => m.Message is Wmo301).Select(m => ((Wmo301)m.Message).Client.ToegewezenProducten[0]).ToList();
        var starts = messages.Where(m => m.Message is Wmo305).Select(m => (m.Demo.Day, Product: ((Wmo305)m.Message).Client.StartProducten[0])).ToList();
        var started = starts.Select(s => s.Product.ToewijzingNummer).ToHashSet();

        Assert.Equal(3, messages.Where(m => m.Message is Wmo301).Select(m => m.Demo.Sender).Distinct().Count());
        Assert.Equal(4, messages.Where(m => m.Message is Wmo305).Select(m => m.Demo.Sender).Distinct().Count());
        Assert.InRange(toewijzingen.Count, 200, 300);
        Assert.Contains(toewijzingen, t => t.Ingangsdatum < t.Toewijzingsdatum); // R7: retroactive
        Assert.Contains(toewijzingen, t => !started.Contains(t.ToewijzingNummer) && t.Ingangsdatum < Today.AddDays(-14)); // R3-305: missing start
        Assert.Contains(starts, s => s.Day.DayNumber - s.Product.Begindatum.DayNumber > 14); // R3-305-laat: late start
        // R8: a start reported (so accepted by the demo CAK) two or more billing months after it began: a realised stack.
        Assert.Contains(starts, s => (s.Day.Year * 12) + s.Day.Month - ((s.Product.Begindatum.Year * 12) + s.Product.Begindatum.Month) >= 2);
        Assert.Contains(messages, m => m.Message is Wmo307 s && m.Demo.Day.DayNumber - s.Client.StopProducten[0].Einddatum.DayNumber > 10); // R3-307-laat
        var stopped = messages.Where(m => m.Message is Wmo307).Select(m => ((Wmo307)m.Message).Client.StopProducten[0].ToewijzingNummer).ToHashSet();
        Assert.Contains(toewijzingen, t => started.Contains(t.ToewijzingNummer) && t.Einddatum < Today.AddDays(-70) && !stopped.Contains(t.ToewijzingNummer)); // R3-307, R6

        // Heenberichten without their retour (R3-retour), a declaration without its 325 (R3-325), an aanvraag without an answer (R3-315).
        var answered = messages.Where(m => m.Message.Type.IsRetour).Count();
        Assert.True(answered < messages.Count(m => m.Message is Wmo301 or Wmo305 or Wmo307));
        Assert.True(messages.Count(m => m.Message is Wmo325) < messages.Count(m => m.Message is Wmo323));
        Assert.Contains(messages, m => m.Message is Wmo315 a && a.Client.AangevraagdeProducten[0].ReferentieAanbieder == "AV-ONBEANTWOORD");

        // Clients the CAK rejects (R4, and with them R1, R2, R5) are in the traffic with a start.
        var rejected = DemoScenario.RejectedBsns(240, 1);
        Assert.InRange(rejected.Count, 3, 10);
        Assert.All(rejected, bsn => Assert.Contains(messages, m => m.Message is Wmo305 s && s.Client.Bsn == bsn));
    }
}
