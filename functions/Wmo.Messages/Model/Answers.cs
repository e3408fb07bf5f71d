namespace Wmo.Messages.Model;

// ---- Retours (WMO302, 306, 308, 316, 318, 320) ----

/// <summary>
/// A retour as received: the heenbericht's header (IV028: copied unchanged, only BerichtCode differs), the retour
/// fields, header codes, and for each echoed class its codes and key values. The chain ledger links it to the
/// heenbericht through <see cref="Header"/>.BerichtIdentificatie.
/// </summary>
public sealed record RetourBericht(
    MessageType Type,
    Header Header,
    string IdentificatieRetour,
    DateOnly DagtekeningRetour,
    IReadOnlyList<string> HeaderCodes,
    IReadOnlyList<ClassCodes> Classes) : IIwmoMessage
{
    /// <summary>Approved: no header code and no class code other than 0200 (no remarks).</summary>
    public bool IsApproved => HeaderCodes.Count == 0 && Classes.All(c => c.Codes.All(code => code == "0200"));
}

/// <summary>
/// The codes on one echoed class, at its location (e.g. <c>/Bericht/Client/StartProducten/StartProduct[2]</c>),
/// with the class's own simple values (ToewijzingNummer, Begindatum, …) so the rejected item can be identified.
/// </summary>
public sealed record ClassCodes(string Location, string ClassName, IReadOnlyList<string> Codes, IReadOnlyDictionary<string, string> Values);

// ---- WMO325 Declaratie-antwoord ----

/// <summary>The answer to a WMO323; linked to it by <see cref="DeclaratieIdentificatie"/> (= the 323's BerichtIdentificatie).</summary>
public sealed record Wmo325(
    Header Header,
    BerichtIdentificatie DeclaratieIdentificatie,
    string? XsltVersie,
    XsdVersie XsdVersieDeclaratie,
    IReadOnlyList<string> HeaderCodes,
    DeclaratieAntwoord? Antwoord) : IIwmoMessage
{
    public MessageType Type => MessageCatalog.Wmo325;
}

/// <summary>Codes on the answer: 8001 = fully approved; rejected clients and prestaties are listed with theirs.</summary>
public sealed record DeclaratieAntwoord(
    string DeclaratieNummer,
    BedragMetDC TotaalIngediendBedrag,
    BedragMetDC TotaalToegekendBedrag,
    IReadOnlyList<AntwoordClient> Clienten,
    IReadOnlyList<string> Codes);

public sealed record AntwoordClient(string Bsn, IReadOnlyList<AntwoordPrestatie> Prestaties, IReadOnlyList<string> Codes);

public sealed record AntwoordPrestatie(Prestatie Prestatie, IReadOnlyList<string> Codes);

// ---- iEb 4.0: WMO405 / WMO407 (structure assumed, schemas/README.md) ----

/// <summary>Start/stop of the eigen bijdrage (abonnementstarief) for one person, gemeente → CAK.</summary>
public sealed record Wmo405(Header Header, EigenBijdrageClient Client) : IIwmoMessage
{
    public MessageType Type => MessageCatalog.Wmo405;
}

/// <summary>Start/stop of the eigen bijdrage for beschermd wonen, gemeente → CAK.</summary>
public sealed record Wmo407(Header Header, EigenBijdrageClient Client) : IIwmoMessage
{
    public MessageType Type => MessageCatalog.Wmo407;
}

public sealed record EigenBijdrageClient(
    string Bsn, Geboortedatum Geboortedatum, string? Geslacht, VerkorteNaam Naam, IReadOnlyList<EigenBijdragePeriode> Perioden);

/// <summary>One period per person; Kostprijs (eurocents) caps the bijdrage for hulpmiddelen and woningaanpassingen.</summary>
public sealed record EigenBijdragePeriode(DateOnly Begindatum, DateOnly? Einddatum, string? ProductCategorie, long? Kostprijs, string StatusAanlevering);
