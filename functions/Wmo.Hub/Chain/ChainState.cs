namespace Wmo.Hub.Chain;

/// <summary>
/// What the hub knows of one person's chain with one gemeente: the toewijzingen, and the starts and stops reported on
/// them. It is stored as one row per person (table <c>ketens</c>), so one ETag guards every chain rule that needs
/// history against concurrent messages for the same person.
/// </summary>
public sealed record ChainState(
    string Gemeente,
    string Bsn,
    IReadOnlyList<ToewijzingState> Toewijzingen,
    IReadOnlyList<StartState> Starts,
    IReadOnlyList<StopState> Stops)
{
    public static ChainState Empty(string gemeente, string bsn) => new(gemeente, bsn, [], [], []);

    /// <summary>The client as the latest message named them (the WMO405 repeats it).</summary>
    public ClientInfo? Client { get; init; }

    /// <summary>Per toewijzing, the span of the declared prestaties (first and last ProductPeriode).</summary>
    public IReadOnlyList<DeclaratieSpan> Declaraties { get; init; } = [];

    /// <summary>The eigen-bijdrage periods sent to the CAK (WMO405) and what the CAK answered (WMO406).</summary>
    public IReadOnlyList<CakPeriodState> Cak { get; init; } = [];

    /// <summary>The aanbieder's requests (WMO315 per ReferentieAanbieder, WMO317) and how far the gemeente answered them (OP274).</summary>
    public IReadOnlyList<VerzoekState> Verzoeken { get; init; } = [];

    public ToewijzingState? Toewijzing(long nummer) => Toewijzingen.FirstOrDefault(t => t.Nummer == nummer);

    /// <summary>The starts that stand: reported with StatusAanlevering 1, not deleted and not rejected by a retour.</summary>
    public IEnumerable<StartState> CurrentStarts(long toewijzing) => Starts.Where(s => s.Toewijzing == toewijzing && s.Current);

    public IEnumerable<StopState> CurrentStops(long toewijzing, DateOnly begindatum) =>
        Stops.Where(s => s.Toewijzing == toewijzing && s.Begindatum == begindatum && s.Current);
}

/// <summary>The latest WMO301 content of one toewijzing. <see cref="Deleted"/>: RedenWijziging 13 ("verwijderd").</summary>
/// <param name="ReceivedOn">When the hub first received the toewijzing with this Ingangsdatum (a re-sent 301 keeps it, OP087).</param>
public sealed record ToewijzingState(
    long Nummer,
    string Aanbieder,
    string? Categorie,
    string? ProductCode,
    DateOnly Toewijzingsdatum,
    DateOnly Ingangsdatum,
    DateOnly? Einddatum,
    string? RedenWijziging,
    Guid MessageId,
    DateTimeOffset ReceivedOn)
{
    public bool Deleted => RedenWijziging == "13";

    /// <summary>The toewijzing's Budget (eurocents): for a hulpmiddel or woningaanpassing, its kostprijs.</summary>
    public long? Budget { get; init; }
}

public sealed record ClientInfo(Wmo.Messages.Model.Geboortedatum Geboortedatum, string? Geslacht, Wmo.Messages.Model.VerkorteNaam Naam);

public sealed record DeclaratieSpan(long Toewijzing, DateOnly Begindatum, DateOnly Einddatum);

/// <summary>
/// What the CAK knows of one eigen-bijdrage period, as far as the hub sent and the CAK answered. The start and the
/// stop are two facts: <see cref="Status"/> is the start's (the CAK bills from it), <see cref="StopStatus"/> the
/// stop's (the CAK stops billing at <see cref="Einddatum"/> only once it accepted it). Sending or rejecting a stop
/// never changes what the CAK holds of the start.
/// </summary>
/// <param name="Status">The start: sent, accepted, rejected, or withdrawn (deleted with StatusAanlevering 3).</param>
/// <param name="Einddatum">The end date sent to the CAK (with the start, or later as the stop); null while open.</param>
public sealed record CakPeriodState(
    DateOnly Begindatum, DateOnly? Einddatum, long? Kostprijs, string? ProductCategorie, string Status, Guid MessageId, DateTimeOffset SentOn,
    DateTimeOffset? AnsweredOn = null, IReadOnlyList<string>? Codes = null)
{
    public const string Sent = "sent";
    public const string Accepted = "accepted";
    public const string Rejected = "rejected";
    public const string Withdrawn = "withdrawn";

    /// <summary>The stop (the period's <see cref="Einddatum"/>): null while none was sent, else sent, accepted or rejected.</summary>
    public string? StopStatus { get; init; }

    /// <summary>The WMO405 that carried the stop (the start's own when both went together).</summary>
    public Guid? StopMessageId { get; init; }

    public DateTimeOffset? StopSentOn { get; init; }

    public DateTimeOffset? StopAnsweredOn { get; init; }

    public IReadOnlyList<string>? StopCodes { get; init; }

    /// <summary>Still part of what the CAK holds or will hold (not withdrawn, not rejected).</summary>
    public bool Stands => Status is Sent or Accepted;

    /// <summary>The CAK accepted the start: it bills from the month after <see cref="Begindatum"/>.</summary>
    public bool StartAccepted => Status == Accepted;

    /// <summary>The CAK accepted the stop: it bills no month after the month of <see cref="Einddatum"/>.</summary>
    public bool StopAccepted => Stands && StopStatus == Accepted && Einddatum is not null;

    /// <summary>The CAK's answer to WMO405 <paramref name="wmo405"/>: to the start, the stop, or both that it carried.</summary>
    /// <param name="codes">Null: accepted; otherwise the rejection's retourcodes.</param>
    public CakPeriodState Answer(Guid wmo405, IReadOnlyList<string>? codes, DateTimeOffset on)
    {
        var answered = this;
        if (MessageId == wmo405 && Status == Sent)
        {
            answered = answered with { Status = codes is null ? Accepted : Rejected, AnsweredOn = on, Codes = codes };
        }

        if (StopMessageId == wmo405 && StopStatus == Sent)
        {
            answered = answered with { StopStatus = codes is null ? Accepted : Rejected, StopAnsweredOn = on, StopCodes = codes };
        }

        return answered;
    }

    /// <summary>Whether WMO405 <paramref name="wmo405"/> carried this period's start or its stop and awaits an answer.</summary>
    public bool Awaits(Guid wmo405) => (MessageId == wmo405 && Status == Sent) || (StopMessageId == wmo405 && StopStatus == Sent);
}

/// <summary>
/// A request of the aanbieder (WMO315 AangevraagdProduct or WMO317 Verzoek), keyed by its ReferentieAanbieder. The
/// gemeente answers it with a WMO301 naming the same reference or a WMO319: VerzoekAntwoord 1 (afgewezen) closes it,
/// 2 (in onderzoek) gives the gemeente until 8 weeks after the request's dagtekening (OP274).
/// </summary>
public sealed record VerzoekState(
    string Referentie, string Bericht, string Aanbieder, DateOnly Dagtekening, DateTimeOffset ReceivedOn, string Status, DateTimeOffset? AnsweredOn = null)
{
    public const string Open = "open";
    public const string InOnderzoek = "in-onderzoek";
    public const string Beantwoord = "beantwoord";
}

/// <summary>A start (WMO305 StartProduct), keyed by toewijzing and Begindatum (OP289: one current start per product).</summary>
public sealed record StartState(long Toewijzing, DateOnly Begindatum, bool Current, Guid MessageId, DateTimeOffset ReceivedOn);

/// <summary>A stop (WMO307 StopProduct), keyed by toewijzing, the start's Begindatum and, since 3.2, RedenBeeindiging.</summary>
public sealed record StopState(
    long Toewijzing, DateOnly Begindatum, string RedenBeeindiging, DateOnly Einddatum, bool Current, Guid MessageId, DateTimeOffset ReceivedOn)
{
    /// <summary>RedenBeeindiging 20: temporarily stopped; a definitive stop with the same start may follow.</summary>
    public bool Temporary => RedenBeeindiging == "20";
}

/// <summary>
/// One thing that happened in a chain, as the timeline and the detection rules read it. Dates are the business dates
/// the message carries; <see cref="ReceivedOn"/> is when the hub routed it.
/// </summary>
public sealed record LedgerEvent(
    string Kind,
    string Bericht,
    Guid MessageId,
    DateTimeOffset ReceivedOn,
    long? ToewijzingNummer = null,
    string? Product = null,
    DateOnly? Datum = null,
    DateOnly? Einddatum = null,
    string? Reden = null,
    IReadOnlyList<string>? RetourCodes = null,
    long? Bedrag = null)
{
    /// <summary>On a start: the toewijzing's Toewijzingsdatum (what the supplier lead times count from).</summary>
    public DateOnly? Toewijzingsdatum { get; init; }

    /// <summary>On a deleted start: when the start it deletes was received (the key of its lead-time row).</summary>
    public DateTimeOffset? DeletedReceivedOn { get; init; }
}

/// <summary>The kinds of <see cref="LedgerEvent"/>, one per step of the chain.</summary>
public static class LedgerEventKinds
{
    public const string Toewijzing = "toewijzing";
    public const string ToewijzingVerwijderd = "toewijzing-verwijderd";
    public const string Start = "start";
    public const string StartVerwijderd = "start-verwijderd";
    public const string Stop = "stop";
    public const string StopVerwijderd = "stop-verwijderd";
    public const string Afgewezen = "afgewezen";
    public const string Aanvraag = "aanvraag";
    public const string Wijzigingsverzoek = "wijzigingsverzoek";
    public const string Antwoord = "antwoord";
    public const string Declaratie = "declaratie";
    public const string DeclaratieAntwoord = "declaratie-antwoord";
    public const string Retour = "retour";
    public const string EigenBijdrage = "eigen-bijdrage";
}
