using System.Globalization;
using Wmo.Messages;
using Wmo.Messages.Model;

namespace Wmo.Cli;

/// <summary>
/// The shape of synthetic traffic: how many clients, gemeenten and aanbieders, and which share of the aanbieders
/// report the start late (more than 5 working days after it began, OP271) or not at all, and which share stops.
/// </summary>
public sealed record TrafficProfile(int Clients, int Gemeenten = 3, int Aanbieders = 4, double LateShare = 0.2, double MissingShare = 0.15, double StopShare = 0.33, int Seed = 1)
{
    public void Validate()
    {
        if (Clients < 1 || Gemeenten < 1 || Aanbieders < 1 || Gemeenten > 9000 || Aanbieders > 90_000_000)
        {
            throw new ArgumentException("clients, gemeenten and aanbieders must be positive (at most 9000 gemeenten)");
        }

        if (LateShare is < 0 or > 1 || MissingShare is < 0 or > 1 || StopShare is < 0 or > 1 || LateShare + MissingShare > 1)
        {
            throw new ArgumentException("the shares are fractions from 0 to 1, and late + missing is at most 1");
        }
    }
}

/// <summary>
/// Reproducible synthetic iWmo traffic (<c>wmo demo</c>, <c>wmo generate</c>, the benchmarks): per client a toewijzing
/// (WMO301), usually a start (WMO305) some days later, on time, late or never, and for some a stop (WMO307). Same
/// profile and seed, same messages (dates count back from <c>today</c>). Everything is fictitious: BSNs pass the
/// elfproef but start with 9, and every client has its own.
/// </summary>
public static class DemoTraffic
{
    public static readonly string[] Gemeenten = ["0363", "0384", "0599"];
    public static readonly string[] Aanbieders = ["65656055", "42420001", "12345678", "87654321"];

    /// <summary>The demo API key of a party, as local.settings.sample.json registers it.</summary>
    public static string KeyFor(string party) => party.Length == 4 ? $"demo-gemeente-{party}-key" : $"demo-aanbieder-{party}-key";

    /// <summary>The n-th gemeente and aanbieder: the demo parties first, then made-up codes.</summary>
    public static string GemeenteAt(int n) => n < Gemeenten.Length ? Gemeenten[n] : (1000 + n).ToString("D4", CultureInfo.InvariantCulture);

    public static string AanbiederAt(int n) => n < Aanbieders.Length ? Aanbieders[n] : (20_000_000 + n).ToString(CultureInfo.InvariantCulture);

    public static IEnumerable<(string Sender, IIwmoMessage Message)> Generate(int clients, int seed, DateOnly today) =>
        Generate(new TrafficProfile(clients, Seed: seed), today);

    public static IEnumerable<(string Sender, IIwmoMessage Message)> Generate(TrafficProfile profile, DateOnly today)
    {
        profile.Validate();
        var seed = profile.Seed;
        var random = new Random(seed);
        var start = today.AddDays(-120);
        var sequence = 0;
        string NextId() => $"D{seed % 1000:D3}{++sequence:D8}";
        var versie = new XsdVersie("1.0.0", "1.0.0");
        var bsns = DistinctBsns(seed).GetEnumerator();

        for (var i = 0; i < profile.Clients; i++)
        {
            var gemeente = GemeenteAt(i % profile.Gemeenten);
            var aanbieder = AanbiederAt(i % profile.Aanbieders);
            bsns.MoveNext();
            var bsn = bsns.Current;
            var geboren = new DateOnly(1930 + random.Next(60), 1 + random.Next(12), 1 + random.Next(28));
            var achternaam = new Achternaam(Namen[random.Next(Namen.Length)], random.Next(4) == 0 ? "van" : null);
            var ingang = start.AddDays(random.Next(90));
            var toegewezen = ingang.AddDays(-random.Next(10));
            var categorie = Categorieen[random.Next(Categorieen.Length)];
            var nummer = 100_000 + (seed % 100 * 10_000_000L) + i;
            var toewijzing = new Wmo301(
                new Header("414", 3, 2, gemeente, aanbieder, new BerichtIdentificatie(NextId(), Min(toegewezen, today)), versie),
                new Wmo301Client(bsn, new Geboortedatum(geboren, null), (1 + random.Next(2)).ToString(CultureInfo.InvariantCulture),
                    new VolledigeNaam(achternaam, null, null, "J", "1"), null, null, null, null, [],
                    [new Contact("01", new Adres(new Huis(1 + random.Next(200), null, null, null), "1011AB", "Demostraat", "Demodorp", null), null, null, null, null)],
                    [new ToegewezenProduct(nummer, null, new Product(categorie, null), toegewezen, new TimeOnly(9, 0), ingang, ingang.AddYears(1),
                        null, new Omvang(2 + random.Next(6), "04", "2"), null, null)]));
            yield return (gemeente, toewijzing);

            // Most suppliers report the start; some late, some never (that is what the delay rules look for).
            var draw = random.NextDouble();
            var stops = random.NextDouble() < profile.StopShare;
            if (draw < profile.MissingShare)
            {
                continue;
            }

            var late = draw < profile.MissingShare + profile.LateShare;
            var begin = ingang.AddDays(random.Next(14));
            var reported = Min(begin.AddDays(late ? 10 + random.Next(35) : random.Next(6)), today);
            var naam = new VerkorteNaam(achternaam, null, "J");
            yield return (aanbieder, new Wmo305(
                new Header("418", 3, 2, aanbieder, gemeente, new BerichtIdentificatie(NextId(), reported), versie),
                new Wmo305Client(bsn, new Geboortedatum(geboren, null), toewijzing.Client.Geslacht, naam,
                    [new StartProduct(nummer, new Product(categorie, null), ingang, Min(begin, reported), "1")])));

            if (stops)
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

    /// <summary>
    /// Distinct nine-digit numbers that pass the elfproef and start with 9 (reserved for tests): a walk through the
    /// 10 million candidates with a stride coprime to it, from a seed-dependent start, so no two clients share one.
    /// </summary>
    internal static IEnumerable<string> DistinctBsns(int seed)
    {
        const int Space = 10_000_000;
        const int Stride = 7_368_787; // prime, so coprime to 10^7: every candidate once before repeating
        var n = (int)((uint)seed * 2_654_435_761u % Space);
        for (var visited = 0; visited < Space; visited++, n = (int)((n + (long)Stride) % Space))
        {
            var digits = "9" + n.ToString("D7", CultureInfo.InvariantCulture);
            var sum = 0;
            for (var i = 0; i < 8; i++)
            {
                sum += (9 - i) * (digits[i] - '0');
            }

            var check = sum % 11;
            if (check < 10)
            {
                yield return digits + check.ToString(CultureInfo.InvariantCulture);
            }
        }
    }

    private static DateOnly Min(DateOnly a, DateOnly b) => a < b ? a : b;

    private static DateOnly Max(DateOnly a, DateOnly b) => a > b ? a : b;
}
