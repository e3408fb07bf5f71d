using System.Globalization;
using Wmo.Messages;
using Wmo.Messages.Model;

namespace Wmo.Cli;

/// <summary>
/// A reproducible synthetic stretch of iWmo traffic for local runs: three gemeenten and four aanbieders; per client
/// a toewijzing (WMO301), usually a start (WMO305) some days later, for some a stop (WMO307). Same seed, same
/// messages (dates count back from <c>today</c>). Everything is fictitious; BSNs pass the elfproef.
/// </summary>
public static class DemoTraffic
{
    public static readonly string[] Gemeenten = ["0363", "0384", "0599"];
    public static readonly string[] Aanbieders = ["65656055", "42420001", "12345678", "87654321"];

    /// <summary>The demo API key of a party, as local.settings.sample.json registers it.</summary>
    public static string KeyFor(string party) => party.Length == 4 ? $"demo-gemeente-{party}-key" : $"demo-aanbieder-{party}-key";

    public static IEnumerable<(string Sender, IIwmoMessage Message)> Generate(int clients, int seed, DateOnly today)
    {
        var random = new Random(seed);
        var start = today.AddDays(-120);
        var sequence = 0;
        string NextId() => $"D{seed % 1000:D3}{++sequence:D8}";
        var versie = new XsdVersie("1.0.0", "1.0.0");

        for (var i = 0; i < clients; i++)
        {
            var gemeente = Gemeenten[i % Gemeenten.Length];
            var aanbieder = Aanbieders[i % Aanbieders.Length];
            var bsn = Bsn(random);
            var geboren = new DateOnly(1930 + random.Next(60), 1 + random.Next(12), 1 + random.Next(28));
            var achternaam = new Achternaam(Namen[random.Next(Namen.Length)], random.Next(4) == 0 ? "van" : null);
            var ingang = start.AddDays(random.Next(90));
            var toegewezen = ingang.AddDays(-random.Next(10));
            var categorie = Categorieen[random.Next(Categorieen.Length)];
            var nummer = 100_000 + (seed % 100 * 10_000) + i;
            var toewijzing = new Wmo301(
                new Header("414", 3, 2, gemeente, aanbieder, new BerichtIdentificatie(NextId(), Min(toegewezen, today)), versie),
                new Wmo301Client(bsn, new Geboortedatum(geboren, null), (1 + random.Next(2)).ToString(CultureInfo.InvariantCulture),
                    new VolledigeNaam(achternaam, null, null, "J", "1"), null, null, null, null, [],
                    [new Contact("01", new Adres(new Huis(1 + random.Next(200), null, null, null), "1011AB", "Demostraat", "Demodorp", null), null, null, null, null)],
                    [new ToegewezenProduct(nummer, null, new Product(categorie, null), toegewezen, new TimeOnly(9, 0), ingang, ingang.AddYears(1),
                        null, new Omvang(2 + random.Next(6), "04", "2"), null, null)]));
            yield return (gemeente, toewijzing);

            // Most suppliers report the start; some late, some never (that is what the delay rules look for).
            if (i % 7 == 6)
            {
                continue;
            }

            var begin = ingang.AddDays(random.Next(14));
            var reported = Min(begin.AddDays(random.Next(i % 5 == 0 ? 40 : 6)), today);
            var naam = new VerkorteNaam(achternaam, null, "J");
            yield return (aanbieder, new Wmo305(
                new Header("418", 3, 2, aanbieder, gemeente, new BerichtIdentificatie(NextId(), reported), versie),
                new Wmo305Client(bsn, new Geboortedatum(geboren, null), toewijzing.Client.Geslacht, naam,
                    [new StartProduct(nummer, new Product(categorie, null), ingang, Min(begin, reported), "1")])));

            if (i % 3 == 0)
            {
                var einde = Min(begin.AddDays(20 + random.Next(40)), today);
                yield return (aanbieder, new Wmo307(
                    new Header("420", 3, 2, aanbieder, gemeente, new BerichtIdentificatie(NextId(), einde), versie),
                    new Wmo307Client(bsn, new Geboortedatum(geboren, null), toewijzing.Client.Geslacht, naam,
                        [new StopProduct(nummer, new Product(categorie, null), ingang, Min(begin, reported), "19", Max(einde, Min(begin, reported)), "1")])));
            }
        }
    }

    private static readonly string[] Namen = ["Jansen", "de Vries", "Bakker", "Visser", "Smit", "Meijer", "Mulder", "Bos", "Vos", "Peters"];

    private static readonly string[] Categorieen = ["01", "02", "07", "11", "14"];

    /// <summary>A nine-digit number that passes the elfproef, starting with 9 (reserved for tests).</summary>
    private static string Bsn(Random random)
    {
        while (true)
        {
            var digits = "9" + random.Next(1_000_000, 10_000_000).ToString(CultureInfo.InvariantCulture);
            var sum = 0;
            for (var i = 0; i < 8; i++)
            {
                sum += (9 - i) * (digits[i] - '0');
            }

            var check = sum % 11;
            if (check < 10)
            {
                return digits + check.ToString(CultureInfo.InvariantCulture);
            }
        }
    }

    private static DateOnly Min(DateOnly a, DateOnly b) => a < b ? a : b;

    private static DateOnly Max(DateOnly a, DateOnly b) => a > b ? a : b;
}
