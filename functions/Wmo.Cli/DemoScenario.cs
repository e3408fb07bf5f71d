using System.Globalization;
using System.Text;
using System.Xml.Linq;
using Wmo.Messages;
using Wmo.Messages.Model;
using Wmo.Messages.Retour;

namespace Wmo.Cli;

/// <summary>One message of the demo: the day it is sent, by whom, and its XML.</summary>
public sealed record DemoMessage(DateOnly Day, string Sender, string Bericht, byte[] Xml);

/// <summary>
/// The demo's stretch of traffic (<c>./wmo run</c>, the dashboard tests): three gemeenten and four suppliers over the
/// last five months, hundreds of clients, with what the dashboard is for. Reproducible: same seed and end day, same
/// messages. The suppliers differ on purpose:
/// <list type="bullet">
/// <item>65656055 starts within days and reports at once;</item>
/// <item>42420001 takes weeks to start, and reports at once;</item>
/// <item>12345678 starts quickly but reports the start (and some stops) weeks late (R3 on receipt);</item>
/// <item>87654321 never reports one start in four (R3-305), and one ended delivery in three (R3-307, then R6).</item>
/// </list>
/// Besides: retroactive toewijzingen (R7), a few heenberichten that never get their retour (R3-retour), declarations
/// of which one is never answered (R3-325), an aanvraag the gemeente never answers (R3-315), and clients the CAK does
/// not know, so every WMO405 for them is rejected (R4, and with it R1, R2 and — with a cap — R5).
/// </summary>
public static class DemoScenario
{
    public const int Days = 150;
    public static readonly string[] Gemeenten = DemoTraffic.Gemeenten;
    public static readonly string[] Aanbieders = DemoTraffic.Aanbieders;
    private static readonly string[] Categorieen = ["02", "02", "07", "11", "14"];
    private static readonly XsdVersie Versie = new("1.0.0", "1.0.0");

    /// <summary>The clients the CAK does not know: the simulator rejects every WMO405 for them (CakSim__Reject).</summary>
    public static IReadOnlyList<string> RejectedBsns(int clients, int seed) =>
        [.. DemoTraffic.DistinctBsns(seed).Take(clients).Where((_, i) => IsUnknownAtCak(i))];

    private static bool IsUnknownAtCak(int i) => i % 41 == 4;

    public static DateOnly FirstDay(DateOnly today) => today.AddDays(-Days);

    public static IReadOnlyList<DemoMessage> Generate(int clients, int seed, DateOnly today, SchemaRegistry schemas)
    {
        var retours = new RetourWriter(schemas);
        var first = FirstDay(today);
        var plan = new List<DemoMessage>();
        var sequence = 0;
        string NextId() => string.Create(CultureInfo.InvariantCulture, $"S{seed % 100:D2}{++sequence:D9}");
        Header Head(string code, string from, string to, DateOnly day) => new(code, 3, 2, from, to, new BerichtIdentificatie(NextId(), day), Versie);
        void Add(DateOnly day, string sender, IIwmoMessage message)
        {
            if (day <= today)
            {
                plan.Add(new DemoMessage(day, sender, message.Type.Name, Xml(IwmoXml.Write(message))));
            }
        }

        // The addressee's retour on a heenbericht, the next working day (except where the scenario leaves it out).
        void Retour(DateOnly day, string sender, IIwmoMessage heen)
        {
            var doc = IwmoXml.Write(heen);
            var retour = retours.Write(doc, new RetourVerdict([]), "R" + NextId()[1..], day);
            if (day <= today)
            {
                plan.Add(new DemoMessage(day, sender, MessageCatalog.AnswerTo(heen.Type)!.Name, Xml(retour)));
            }
        }

        var bsns = DemoTraffic.DistinctBsns(seed).GetEnumerator();
        var declarations = 0;
        for (var i = 0; i < clients; i++)
        {
            bsns.MoveNext();
            var bsn = bsns.Current;
            var random = new Random(unchecked((seed * 100_003) + i)); // not HashCode.Combine: that is seeded per process
            var gemeente = Gemeenten[i % Gemeenten.Length];
            var supplier = i % Aanbieders.Length;
            var aanbieder = Aanbieders[supplier];
            var geboren = new Geboortedatum(new DateOnly(1930 + random.Next(60), 1 + random.Next(12), 1 + random.Next(28)), null);
            var achternaam = new Achternaam(Namen[random.Next(Namen.Length)], random.Next(4) == 0 ? "van" : null);
            var naam = new VerkorteNaam(achternaam, null, "J");
            var categorie = Categorieen[random.Next(Categorieen.Length)];
            var product = new Product(categorie, null);
            var nummer = 5_000_000L + (seed % 100 * 100_000L) + i;

            // Toewijzingen spread over the first four months; one in 37 is retroactive (R7).
            var toegewezen = Weekday(first.AddDays((i * 120 / Math.Max(1, clients)) + random.Next(4)));
            var retroactive = i % 37 == 5;
            var ingang = retroactive ? toegewezen.AddDays(-25) : toegewezen.AddDays(random.Next(4));
            var ends = i % 12 == 3 || random.NextDouble() < 0.3; // i % 12 == 3: supplier 3 and never stops (R3-307, R6)
            var einde = ends ? ingang.AddDays(i % 12 == 3 ? 35 : 35 + random.Next(40)) : (DateOnly?)null; // early enough for R6 to be due
            string? referentie = null;

            // One client in fifty came through an aanvraag (WMO315) that the toewijzing answers.
            if (i % 50 == 13)
            {
                referentie = "AV" + nummer.ToString(CultureInfo.InvariantCulture);
                var aangevraagd = Weekday(toegewezen.AddDays(-6));
                var aanvraag = new Wmo315(Head("444", aanbieder, gemeente, aangevraagd),
                    new Wmo315Client(bsn, geboren, "1", naam, null,
                        [new AangevraagdProduct(referentie, null, product, null, ingang, null, null, null, new Verwijzer("04", "Huisarts", null), null, null)]));
                Add(aangevraagd, aanbieder, aanvraag);
                Retour(NextWorkingDay(aangevraagd), gemeente, aanvraag); // WMO316
            }

            var toewijzing = new Wmo301(Head("414", gemeente, aanbieder, toegewezen),
                new Wmo301Client(bsn, geboren, "1", new VolledigeNaam(achternaam, null, null, "J", "1"), null, null, null, null, [],
                    [new Contact("01", new Adres(new Huis(1 + random.Next(200), null, null, null), "1011AB", "Demostraat", "Demodorp", null), null, null, null, null)],
                    [new ToegewezenProduct(nummer, referentie, product, toegewezen, new TimeOnly(9, 0), ingang, einde ?? ingang.AddYears(1), null,
                        new Omvang(2 + random.Next(6), "04", "2"), null, null)]));
            Add(toegewezen, gemeente, toewijzing);
            if (i % 53 != 7)
            {
                Retour(NextWorkingDay(toegewezen), aanbieder, toewijzing); // WMO302; a few never come (R3-retour)
            }

            // The start, as each supplier works.
            var begin = retroactive ? ingang : ingang.AddDays(supplier switch { 0 => random.Next(4), 1 => 14 + random.Next(22), 2 => random.Next(6), _ => 2 + random.Next(9) });
            var reported = supplier switch { 2 => begin.AddDays(8 + random.Next(33)), 3 => begin.AddDays(random.Next(4)), _ => begin.AddDays(random.Next(3)) };
            reported = Weekday(retroactive && reported < toegewezen ? toegewezen.AddDays(1 + random.Next(3)) : reported);
            if (supplier == 3 && i % 16 == 3)
            {
                continue; // never reports the start (R3-305; with the gemeente's policy on the start, nothing reaches the CAK)
            }

            var start = new Wmo305(Head("418", aanbieder, gemeente, reported),
                new Wmo305Client(bsn, geboren, "1", naam, [new StartProduct(nummer, product, null, begin, "1")]));
            Add(reported, aanbieder, start);
            Retour(NextWorkingDay(reported), gemeente, start);

            // A declaration for the first whole month of delivery (suppliers 0 and 1); one is never answered (R3-325).
            var month = new DateOnly(begin.Year, begin.Month, 1).AddMonths(1);
            var declared = Weekday(month.AddMonths(1).AddDays(3));
            if (supplier <= 1 && i % 5 == 0 && (einde is null || einde >= month.AddMonths(1)) && declared <= today)
            {
                var periode = new GeslotenPeriode(month, month.AddMonths(1).AddDays(-1));
                var declaratie = new Wmo323(Head("484", aanbieder, gemeente, declared),
                    new Declaratie("DC" + nummer.ToString(CultureInfo.InvariantCulture), periode, declared, new BedragMetDC(12000, "D"),
                        [new DeclaratieClient(bsn, [new Prestatie(new Referentie("PR" + nummer.ToString(CultureInfo.InvariantCulture), null), nummer, categorie, categorie + "A01",
                            periode, 4, "04", 3000, new BedragMetDC(12000, "D"))])]));
                Add(declared, aanbieder, declaratie);
                if (++declarations != 2) // the second declaration is never answered (R3-325)
                {
                    var answered = NextWorkingDay(NextWorkingDay(declared));
                    Add(answered, gemeente, DeclaratieAntwoordWriter.Answer(declaratie, new RetourVerdict([]), "A" + NextId()[1..], answered));
                }
            }

            // The stop, when the toewijzing ended: supplier 2 reports it late, supplier 3 sometimes never (R3-307, R6).
            if (einde is { } end && end > begin)
            {
                if (supplier == 3 && i % 3 == 0)
                {
                    continue;
                }

                var stopReported = Weekday(supplier == 2 ? end.AddDays(8 + random.Next(18)) : end.AddDays(random.Next(3)));
                var stop = new Wmo307(Head("420", aanbieder, gemeente, stopReported),
                    new Wmo307Client(bsn, geboren, "1", naam, [new StopProduct(nummer, product, null, begin, "19", end, "1")]));
                Add(stopReported, aanbieder, stop);
                Retour(NextWorkingDay(stopReported), gemeente, stop);
            }
        }

        // An aanvraag the gemeente never answers (R3-315).
        bsns.MoveNext();
        var vergeten = Weekday(today.AddDays(-20));
        var onbeantwoord = new Wmo315(Head("444", Aanbieders[1], Gemeenten[2], vergeten),
            new Wmo315Client(bsns.Current, new Geboortedatum(new DateOnly(1944, 4, 4), null), "2", new VerkorteNaam(new Achternaam("Bakker", null), null, "M"), null,
                [new AangevraagdProduct("AV-ONBEANTWOORD", null, new Product("02", null), null, vergeten.AddDays(10), null, null, null, new Verwijzer("04", "Huisarts", null), null, null)]));
        Add(vergeten, Aanbieders[1], onbeantwoord);
        Retour(NextWorkingDay(vergeten), Gemeenten[2], onbeantwoord); // received (WMO316), but never decided

        // Per day, a heenbericht before the retour on it (retours come the next working day, so day order suffices).
        return [.. plan.OrderBy(m => m.Day).ThenBy(m => MessageCatalog.FindByName(m.Bericht)!.IsRetour ? 1 : 0)];
    }

    private static readonly string[] Namen = ["Jansen", "de Vries", "Bakker", "Visser", "Smit", "Meijer", "Mulder", "Bos", "Vos", "Peters", "Hendriks", "Dekker"];

    private static DateOnly Weekday(DateOnly day) => day.DayOfWeek switch
    {
        DayOfWeek.Saturday => day.AddDays(2),
        DayOfWeek.Sunday => day.AddDays(1),
        _ => day,
    };

    private static DateOnly NextWorkingDay(DateOnly day) => Weekday(day.AddDays(1));

    private static byte[] Xml(XDocument doc) => Encoding.UTF8.GetBytes(doc.Declaration + doc.ToString(SaveOptions.DisableFormatting));
}
