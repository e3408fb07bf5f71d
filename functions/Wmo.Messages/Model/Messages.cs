namespace Wmo.Messages.Model;

// ---- WMO301 Toewijzing ----
public sealed record Wmo301(Header Header, Wmo301Client Client) : IIwmoMessage
{
    public MessageType Type => MessageCatalog.Wmo301;
}

public sealed record Wmo301Client(
    string Bsn,
    Geboortedatum Geboortedatum,
    string Geslacht,
    VolledigeNaam Naam,
    Communicatie? Communicatie,
    string? JuridischeStatus,
    string? WettelijkeVertegenwoordiging,
    string? Commentaar,
    IReadOnlyList<Relatie> Relaties,
    IReadOnlyList<Contact> Contactgegevens,
    IReadOnlyList<ToegewezenProduct> ToegewezenProducten);

public sealed record Relatie(
    string Nummer, int? Volgorde, string Soort, Geboortedatum? Geboortedatum, string? Geslacht, VolledigeNaam Naam, Contact Contact);

public sealed record Contact(
    string Soort, Adres? Adres, string? Organisatie, Telefoonnummers? Telefoon, string? Emailadres, OpenPeriode? Periode);

public sealed record ToegewezenProduct(
    long ToewijzingNummer,
    string? ReferentieAanbieder,
    Product? Product,
    DateOnly Toewijzingsdatum,
    TimeOnly Toewijzingstijd,
    DateOnly Ingangsdatum,
    DateOnly? Einddatum,
    string? RedenWijziging,
    Omvang? Omvang,
    long? Budget,
    string? Commentaar);

// ---- WMO305 Start / WMO307 Stop ----
public sealed record Wmo305(Header Header, Wmo305Client Client) : IIwmoMessage
{
    public MessageType Type => MessageCatalog.Wmo305;
}

public sealed record Wmo305Client(string Bsn, Geboortedatum Geboortedatum, string Geslacht, VerkorteNaam Naam, IReadOnlyList<StartProduct> StartProducten);

/// <summary>A reported start. StatusAanlevering (COD467): 1 first delivery, 3 delete (corrections are 3 then 1).</summary>
public sealed record StartProduct(long? ToewijzingNummer, Product? Product, DateOnly? ToewijzingIngangsdatum, DateOnly Begindatum, string StatusAanlevering);

public sealed record Wmo307(Header Header, Wmo307Client Client) : IIwmoMessage
{
    public MessageType Type => MessageCatalog.Wmo307;
}

public sealed record Wmo307Client(string Bsn, Geboortedatum Geboortedatum, string Geslacht, VerkorteNaam Naam, IReadOnlyList<StopProduct> StopProducten);

/// <summary>A reported stop; Begindatum refers back to the start, RedenBeeindiging (WMO588) is part of the key since 3.2.</summary>
public sealed record StopProduct(
    long? ToewijzingNummer, Product? Product, DateOnly? ToewijzingIngangsdatum, DateOnly Begindatum, string RedenBeeindiging, DateOnly Einddatum, string StatusAanlevering);

// ---- WMO315 Verzoek om toewijzing ----
public sealed record Wmo315(Header Header, Wmo315Client Client) : IIwmoMessage
{
    public MessageType Type => MessageCatalog.Wmo315;
}

public sealed record Wmo315Client(
    string Bsn, Geboortedatum Geboortedatum, string Geslacht, VerkorteNaam Naam, string? Commentaar, IReadOnlyList<AangevraagdProduct> AangevraagdeProducten);

public sealed record AangevraagdProduct(
    string ReferentieAanbieder,
    long? BeschikkingNummer,
    Product? Product,
    DateOnly? BeschikkingIngangsdatum,
    DateOnly ToewijzingIngangsdatum,
    DateOnly? ToewijzingEinddatum,
    Omvang? Omvang,
    long? Budget,
    Verwijzer Verwijzer,
    string? Raamcontract,
    string? Commentaar);

// ---- WMO317 Verzoek om wijziging ----
public sealed record Wmo317(Header Header, Wmo317Client Client) : IIwmoMessage
{
    public MessageType Type => MessageCatalog.Wmo317;
}

public sealed record Wmo317Client(string Bsn, Verzoek Verzoek);

public sealed record Verzoek(
    string ReferentieAanbieder,
    string RedenVerzoek,
    IReadOnlyList<long> OngewijzigdeProducten,
    IReadOnlyList<TeWijzigenProduct> TeWijzigenProducten,
    IReadOnlyList<NieuwProduct> NieuweProducten);

public sealed record TeWijzigenProduct(long ToewijzingNummer, DateOnly GewensteIngangsdatum, DateOnly? Einddatum, Omvang? Omvang, long? Budget);

public sealed record NieuwProduct(Product? Product, DateOnly GewensteIngangsdatum, DateOnly? Einddatum, Omvang? Omvang, long? Budget);

// ---- WMO319 Antwoordbericht ----
public sealed record Wmo319(Header Header, Antwoord Antwoord) : IIwmoMessage
{
    public MessageType Type => MessageCatalog.Wmo319;
}

/// <summary>VerzoekAntwoord (WJ760): 1 afgewezen, 2 in onderzoek; RedenAfwijzingVerzoek (WJ759).</summary>
public sealed record Antwoord(string ReferentieAanbieder, string VerzoekAntwoord, string? RedenAfwijzingVerzoek);

// ---- WMO323 Declaratie ----
public sealed record Wmo323(Header Header, Declaratie Declaratie) : IIwmoMessage
{
    public MessageType Type => MessageCatalog.Wmo323;
}

public sealed record Declaratie(
    string DeclaratieNummer, GeslotenPeriode DeclaratiePeriode, DateOnly DeclaratieDagtekening, BedragMetDC TotaalIngediendBedrag, IReadOnlyList<DeclaratieClient> Clienten);

public sealed record DeclaratieClient(string Bsn, IReadOnlyList<Prestatie> Prestaties);

public sealed record Prestatie(
    Referentie ProductReferentie,
    long ToewijzingNummer,
    string ProductCategorie,
    string ProductCode,
    GeslotenPeriode ProductPeriode,
    long GeleverdVolume,
    string Eenheid,
    long? ProductTarief,
    BedragMetDC IngediendBedrag);
