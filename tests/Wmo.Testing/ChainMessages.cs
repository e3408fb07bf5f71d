using System.Text;
using Wmo.Messages.Model;

namespace Wmo.Testing;

/// <summary>
/// Builds schema-valid iWmo messages for one client between one gemeente and one aanbieder, each with its own
/// Identificatie, so tests can play a chain (315 → 301 → 305 → 307 → 323 → 325) without colliding in shared storage.
/// </summary>
public sealed class ChainMessages(string gemeente, string aanbieder, string bsn, DateOnly today)
{
    private static readonly XsdVersie Versie = new("1.0.0", "1.0.0");
    private static readonly Geboortedatum Geboren = new(new DateOnly(1950, 1, 1), null);
    private static readonly VerkorteNaam Naam = new(new Achternaam("Jansen", null), null, "J");

    public string Gemeente => gemeente;

    public string Aanbieder => aanbieder;

    public string Bsn => bsn;

    public DateOnly Today => today;

    public Header Header(string code, string from, string to) =>
        new(code, 3, 2, from, to, new BerichtIdentificatie(Guid.NewGuid().ToString("N")[..12], today), Versie);

    public Wmo315 Aanvraag(string referentie) => new(
        Header("444", aanbieder, gemeente),
        new Wmo315Client(bsn, Geboren, "1", Naam, null,
            [new AangevraagdProduct(referentie, null, new Product("02", null), null, today.AddDays(-8), null, null, null, new Verwijzer("04", "Huisarts", null), null, null)]));

    public Wmo301 Toewijzing(long nummer, string? redenWijziging = null) => new(
        Header("414", gemeente, aanbieder),
        new Wmo301Client(bsn, Geboren, "1", new VolledigeNaam(new Achternaam("Jansen", null), null, null, "J", "1"), null, null, null, null, [],
            [new Contact("01", new Adres(new Huis(1, null, null, null), "1011AB", "Demostraat", "Demodorp", null), null, null, null, null)],
            [new ToegewezenProduct(nummer, null, new Product("02", null), today.AddDays(-10), new TimeOnly(9, 0), today.AddDays(-7), null, redenWijziging, null, null, null)]));

    /// <summary>The gemeente's WMO319 on a request: VerzoekAntwoord 1 (afgewezen) or 2 (in onderzoek).</summary>
    public Wmo319 Antwoord(string referentie, string verzoekAntwoord) => new(
        Header("482", gemeente, aanbieder), new Antwoord(referentie, verzoekAntwoord, verzoekAntwoord == "1" ? "7" : null));

    /// <summary>A toewijzing with an end date, optionally answering the aanbieder's request.</summary>
    public Wmo301 Toewijzing(long nummer, DateOnly? einddatum, string? referentie = null)
    {
        var m = Toewijzing(nummer);
        var p = m.Client.ToegewezenProducten[0] with { Einddatum = einddatum, ReferentieAanbieder = referentie };
        if (einddatum is { } end && end <= p.Ingangsdatum)
        {
            p = p with { Ingangsdatum = end.AddDays(-20) }; // an ended toewijzing began before it ended
        }

        return m with { Client = m.Client with { ToegewezenProducten = [p] } };
    }

    public Wmo305 Start(long nummer, DateOnly begin, string status = "1") => new(
        Header("418", aanbieder, gemeente),
        new Wmo305Client(bsn, Geboren, "1", Naam, [new StartProduct(nummer, new Product("02", null), null, begin, status)]));

    public Wmo305 Starts(params StartProduct[] products) => new(Header("418", aanbieder, gemeente), new Wmo305Client(bsn, Geboren, "1", Naam, products));

    public Wmo307 Stop(long nummer, DateOnly begin, DateOnly end, string reden = "19", string status = "1") => new(
        Header("420", aanbieder, gemeente),
        new Wmo307Client(bsn, Geboren, "1", Naam, [new StopProduct(nummer, new Product("02", null), null, begin, reden, end, status)]));

    public Wmo323 Declaratie(long nummer, DateOnly from, DateOnly to) => new(
        Header("484", aanbieder, gemeente),
        new Declaratie("D" + Guid.NewGuid().ToString("N")[..8], new GeslotenPeriode(from, to), today, new BedragMetDC(12000, "D"),
            [new DeclaratieClient(bsn, [new Prestatie(new Referentie("P" + Guid.NewGuid().ToString("N")[..8], null), nummer, "02", "02A01",
                new GeslotenPeriode(from, to), 4, "04", 3000, new BedragMetDC(12000, "D"))])]));

    /// <summary>The XML text of a message, as a party would post it.</summary>
    public static byte[] Xml(IIwmoMessage message)
    {
        var doc = IwmoXml.Write(message);
        return Encoding.UTF8.GetBytes(doc.Declaration + doc.ToString());
    }

    /// <summary>A random BSN that passes the elfproef.</summary>
    public static string RandomBsn()
    {
        while (true)
        {
            var digits = Enumerable.Range(0, 8).Select(_ => Random.Shared.Next(10)).ToArray();
            var sum = 0;
            for (var i = 0; i < 8; i++)
            {
                sum += (9 - i) * digits[i];
            }

            var last = sum % 11;
            if (last < 10 && digits[0] != 0)
            {
                return string.Concat(digits) + last;
            }
        }
    }
}
