namespace Wmo.Messages.Model;

// The iWmo 3.2 information model as immutable records. Names follow the standard (Dutch element names); codes are
// kept as their code-list strings ("01", "3") so nothing is lost or reinterpreted; amounts are whole eurocents.
// Lists are never null: an absent wrapper element (e.g. Relaties) is an empty list.

/// <summary>A parsed iWmo message.</summary>
public interface IIwmoMessage
{
    MessageType Type { get; }

    Header Header { get; }
}

public sealed record Header(
    string BerichtCode,
    int BerichtVersie,
    int BerichtSubversie,
    string Afzender,
    string Ontvanger,
    BerichtIdentificatie BerichtIdentificatie,
    XsdVersie XsdVersie);

/// <summary>Identificatie + Dagtekening: the message's business key (unique per sender and berichtsoort, TR056).</summary>
public sealed record BerichtIdentificatie(string Identificatie, DateOnly Dagtekening);

public sealed record XsdVersie(string BasisschemaXsdVersie, string BerichtXsdVersie);

public sealed record Geboortedatum(DateOnly Datum, string? DatumGebruik);

public sealed record Achternaam(string Naam, string? Voorvoegsel);

public sealed record VerkorteNaam(Achternaam Geslachtsnaam, string? Voornamen, string? Voorletters);

public sealed record VolledigeNaam(Achternaam Geslachtsnaam, Achternaam? Partnernaam, string? Voornamen, string? Voorletters, string NaamGebruik);

public sealed record Communicatie(string Vorm, string? Taal);

public sealed record Huis(int Huisnummer, string? Huisletter, string? HuisnummerToevoeging, string? AanduidingWoonadres);

public sealed record Adres(Huis? Huis, string? Postcode, string? Straatnaam, string? Plaatsnaam, string? LandCode);

public sealed record Telefoon(string Telefoonnummer, string Landnummer);

public sealed record Telefoonnummers(Telefoon Telefoon01, Telefoon? Telefoon02);

/// <summary>Productcategorie (WMO020) and optional productcode.</summary>
public sealed record Product(string Categorie, string? Code);

public sealed record Omvang(long Volume, string Eenheid, string Frequentie);

public sealed record Verwijzer(string Type, string? Naam, string? ZorgverlenerCode);

public sealed record OpenPeriode(DateOnly? Begindatum, DateOnly? Einddatum);

public sealed record GeslotenPeriode(DateOnly Begindatum, DateOnly Einddatum);

public sealed record Referentie(string ReferentieNummer, string? VorigReferentieNummer);

/// <summary>An amount in eurocents with its sign (D debet / C credit).</summary>
public sealed record BedragMetDC(long Bedrag, string DebetCredit)
{
    /// <summary>The signed amount: credit counts negative.</summary>
    public long Signed => DebetCredit == "C" ? -Bedrag : Bedrag;
}
