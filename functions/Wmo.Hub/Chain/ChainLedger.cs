using System.Globalization;
using Wmo.Messages;
using Wmo.Messages.Model;
using Wmo.Messages.Retour;

namespace Wmo.Hub.Chain;

/// <summary>What one message did to one person's chain.</summary>
/// <param name="Findings">Chain-rule violations, located on the class they concern; the hub answers them with a retour.</param>
/// <param name="Assessed">How many product classes the chain rules assessed; with <see cref="Findings"/> it tells
/// whether anything of the message was accepted.</param>
public sealed record ChainOutcome(ChainState State, IReadOnlyList<LedgerEvent> Events, IReadOnlyList<Finding> Findings, int Assessed)
{
    /// <summary>The messages the change causes (the hub's retour, a WMO405): written in the same transaction.</summary>
    public IReadOnlyList<OutboxItem> Outbox { get; init; } = [];

    /// <summary>The deadlines the change created (new due-index rows).</summary>
    public IReadOnlyList<Wmo.Hub.Detection.DueItem> Due { get; init; } = [];
}

/// <summary>
/// The chain rules that need history (TR019, TR063, TR069, TR074, TR326, TR413–TR415) and the ledger events of every
/// message, as a pure function of the person's state and the message. Classes within one message are applied in
/// order, each seeing the effect of the ones before (a delete followed by a re-send in one 305 is a correction).
/// A rejected class changes nothing.
/// </summary>
public static class ChainLedger
{
    public const string Code9019 = "9019"; // TR019: regiebericht not linkable to a toewijzing
    public const string Code9063 = "9063"; // TR063: delete without an earlier message
    public const string Code9069 = "9069"; // TR069: stop without a current start with the same key
    public const string Code9074 = "9074"; // TR074: an earlier message with the same key
    public const string Code9326 = "9326"; // TR326: the current delivery is not stopped yet
    public const string Code9413 = "9413"; // TR413: a second temporary stop (20) on the same start
    public const string Code9414 = "9414"; // TR414: Einddatum before the current stop's Einddatum
    public const string Code9415 = "9415"; // TR415: a definitive stop exists already

    /// <param name="heenId">For a retour: the id of the heenbericht it answers (rejected classes of it are undone).</param>
    public static ChainOutcome Apply(ChainState state, IIwmoMessage message, string bsn, Guid messageId, DateTimeOffset receivedOn, Guid? heenId = null)
    {
        var apply = new Application(state, message.Type.Name, messageId, receivedOn);
        switch (message)
        {
            case Wmo301 m:
                apply.Toewijzingen(m);
                break;
            case Wmo305 m:
                apply.Starts(m);
                break;
            case Wmo307 m:
                apply.Stops(m);
                break;
            case Wmo315 m:
                foreach (var p in m.Client.AangevraagdeProducten)
                {
                    apply.Requested(m.Header, p.ReferentieAanbieder);
                    apply.Event(LedgerEventKinds.Aanvraag, product: ProductText(p.Product), datum: p.ToewijzingIngangsdatum, einddatum: p.ToewijzingEinddatum, reden: p.ReferentieAanbieder);
                }

                break;
            case Wmo317 m:
                apply.Requested(m.Header, m.Client.Verzoek.ReferentieAanbieder);
                apply.Event(LedgerEventKinds.Wijzigingsverzoek, reden: m.Client.Verzoek.ReferentieAanbieder);
                break;
            case Wmo319 m:
                apply.Answered(m.Antwoord.ReferentieAanbieder, m.Antwoord.VerzoekAntwoord == "2" ? VerzoekState.InOnderzoek : VerzoekState.Beantwoord);
                apply.Event(LedgerEventKinds.Antwoord, reden: m.Antwoord.ReferentieAanbieder, codes: [m.Antwoord.VerzoekAntwoord]);
                break;
            case Wmo323 m:
                foreach (var p in m.Declaratie.Clienten.Where(c => c.Bsn == bsn).SelectMany(c => c.Prestaties))
                {
                    if (p.IngediendBedrag.DebetCredit == "D")
                    {
                        apply.Declared(p.ToewijzingNummer, p.ProductPeriode.Begindatum, p.ProductPeriode.Einddatum);
                    }

                    apply.Event(LedgerEventKinds.Declaratie, p.ToewijzingNummer, $"{p.ProductCategorie}/{p.ProductCode}",
                        p.ProductPeriode.Begindatum, p.ProductPeriode.Einddatum, p.ProductReferentie.ReferentieNummer, bedrag: p.IngediendBedrag.Signed);
                }

                break;
            case Wmo325 m:
                foreach (var c in m.Antwoord?.Clienten.Where(c => c.Bsn == bsn) ?? [])
                {
                    foreach (var p in c.Prestaties)
                    {
                        apply.Event(LedgerEventKinds.DeclaratieAntwoord, p.Prestatie.ToewijzingNummer, datum: p.Prestatie.ProductPeriode.Begindatum,
                            einddatum: p.Prestatie.ProductPeriode.Einddatum, reden: p.Prestatie.ProductReferentie.ReferentieNummer, codes: [.. c.Codes, .. p.Codes]);
                    }
                }

                if (m.Antwoord?.Clienten.Any(c => c.Bsn == bsn) != true)
                {
                    apply.Event(LedgerEventKinds.DeclaratieAntwoord, codes: [.. m.HeaderCodes, .. m.Antwoord?.Codes ?? []]);
                }

                break;
            case Wmo405 m:
                foreach (var p in m.Client.Perioden)
                {
                    apply.Event(LedgerEventKinds.EigenBijdrage, product: p.ProductCategorie, datum: p.Begindatum, einddatum: p.Einddatum, reden: p.StatusAanlevering, bedrag: p.Kostprijs);
                }

                break;
            case Wmo407 m:
                foreach (var p in m.Client.Perioden)
                {
                    apply.Event(LedgerEventKinds.EigenBijdrage, product: p.ProductCategorie, datum: p.Begindatum, einddatum: p.Einddatum, reden: p.StatusAanlevering, bedrag: p.Kostprijs);
                }

                break;
            case RetourBericht r:
                apply.Retour(r, heenId);
                break;
        }

        return apply.Outcome();
    }

    /// <summary>Categorie/Code as one short text ("02/02A01"), for events and lists.</summary>
    public static string? ProductText(Product? product) =>
        product is null ? null : product.Code is { Length: > 0 } code ? $"{product.Categorie}/{code}" : product.Categorie;

    private static string Indexed(string name, int index) => index == 0 ? name : $"{name}[{index + 1}]";

    private sealed class Application(ChainState initial, string bericht, Guid messageId, DateTimeOffset receivedOn)
    {
        private readonly List<ToewijzingState> _toewijzingen = [.. initial.Toewijzingen];
        private readonly List<StartState> _starts = [.. initial.Starts];
        private readonly List<StopState> _stops = [.. initial.Stops];
        private readonly List<DeclaratieSpan> _declaraties = [.. initial.Declaraties];
        private readonly List<CakPeriodState> _cak = [.. initial.Cak];
        private readonly List<VerzoekState> _verzoeken = [.. initial.Verzoeken];
        private ClientInfo? _client = initial.Client;
        private readonly List<LedgerEvent> _events = [];
        private readonly List<Finding> _findings = [];
        private int _assessed;

        public ChainOutcome Outcome() =>
            new(initial with { Toewijzingen = _toewijzingen, Starts = _starts, Stops = _stops, Declaraties = _declaraties, Cak = _cak, Client = _client, Verzoeken = _verzoeken },
                _events, _findings, _assessed);

        /// <summary>A prestatie widens its toewijzing's declared span (a credit line does not narrow it).</summary>
        public void Declared(long toewijzing, DateOnly from, DateOnly to)
        {
            var i = _declaraties.FindIndex(d => d.Toewijzing == toewijzing);
            _declaraties.Add(i < 0 ? new DeclaratieSpan(toewijzing, from, to)
                : new DeclaratieSpan(toewijzing, Min(_declaraties[i].Begindatum, from), Max(_declaraties[i].Einddatum, to)));
            if (i >= 0)
            {
                _declaraties.RemoveAt(i);
            }
        }

        /// <summary>A request opens (again, when the aanbieder sends the same reference anew).</summary>
        public void Requested(Header header, string referentie)
        {
            _verzoeken.RemoveAll(v => v.Referentie == referentie && v.Aanbieder == header.Afzender);
            _verzoeken.Add(new VerzoekState(referentie, bericht, header.Afzender, header.BerichtIdentificatie.Dagtekening, receivedOn, VerzoekState.Open));
        }

        /// <summary>The gemeente answered a request: a 301 naming its reference or a 319 (in onderzoek keeps it pending).</summary>
        public void Answered(string referentie, string status)
        {
            var i = _verzoeken.FindIndex(v => v.Referentie == referentie && v.Status != VerzoekState.Beantwoord);
            if (i >= 0)
            {
                _verzoeken[i] = _verzoeken[i] with { Status = status, AnsweredOn = receivedOn };
            }
        }

        private static DateOnly Min(DateOnly a, DateOnly b) => a < b ? a : b;

        private static DateOnly Max(DateOnly a, DateOnly b) => a > b ? a : b;

        public void Event(string kind, long? toewijzing = null, string? product = null, DateOnly? datum = null, DateOnly? einddatum = null,
            string? reden = null, IReadOnlyList<string>? codes = null, long? bedrag = null) =>
            _events.Add(new LedgerEvent(kind, bericht, messageId, receivedOn, toewijzing, product, datum, einddatum, reden, codes, bedrag));

        public void Toewijzingen(Wmo301 m)
        {
            _client = new ClientInfo(m.Client.Geboortedatum, m.Client.Geslacht, new VerkorteNaam(m.Client.Naam.Geslachtsnaam, m.Client.Naam.Voornamen, m.Client.Naam.Voorletters));
            foreach (var p in m.Client.ToegewezenProducten)
            {
                // OP087: every new 301 repeats the client's current toewijzingen. A repeated toewijzing keeps the day
                // it was first received, so a re-send neither makes it "retroactive from today" nor moves its OP271
                // deadline; only a new Ingangsdatum (a different start to report) counts from this receipt.
                var earlier = _toewijzingen.FirstOrDefault(t => t.Nummer == p.ToewijzingNummer);
                var firstReceived = earlier is not null && earlier.Ingangsdatum == p.Ingangsdatum && earlier.Aanbieder == m.Header.Ontvanger ? earlier.ReceivedOn : receivedOn;
                var state = new ToewijzingState(p.ToewijzingNummer, m.Header.Ontvanger, p.Product?.Categorie, p.Product?.Code,
                    p.Toewijzingsdatum, p.Ingangsdatum, p.Einddatum, p.RedenWijziging, messageId, firstReceived) { Budget = p.Budget };
                _toewijzingen.RemoveAll(t => t.Nummer == p.ToewijzingNummer);
                _toewijzingen.Add(state);
                if (p.ReferentieAanbieder is { Length: > 0 } referentie)
                {
                    Answered(referentie, VerzoekState.Beantwoord);
                }

                Event(state.Deleted ? LedgerEventKinds.ToewijzingVerwijderd : LedgerEventKinds.Toewijzing, p.ToewijzingNummer,
                    ProductText(p.Product), p.Ingangsdatum, p.Einddatum, p.RedenWijziging);
            }
        }

        public void Starts(Wmo305 m)
        {
            _client = new ClientInfo(m.Client.Geboortedatum, m.Client.Geslacht, m.Client.Naam);
            var products = m.Client.StartProducten;
            for (var i = 0; i < products.Count; i++)
            {
                _assessed++;
                var p = products[i];
                var location = "/Bericht/Client/StartProducten/" + Indexed("StartProduct", i);
                var toewijzing = Link(m.Header.Afzender, p.ToewijzingNummer, p.Product, p.ToewijzingIngangsdatum);
                if (toewijzing is null)
                {
                    Reject(Code9019, "TR019", "Het startbericht kan niet gekoppeld worden aan een toewijzing aan deze aanbieder.", location, p.ToewijzingNummer, p.Begindatum);
                    continue;
                }

                var nummer = toewijzing.Nummer;
                var same = _starts.FindIndex(s => s.Toewijzing == nummer && s.Begindatum == p.Begindatum && s.Current);
                if (p.StatusAanlevering == "3")
                {
                    if (same < 0)
                    {
                        Reject(Code9063, "TR063", $"Er is geen eerder startbericht met Begindatum {Date(p.Begindatum)} om te verwijderen.", location, nummer, p.Begindatum);
                        continue;
                    }

                    _events.Add(new LedgerEvent(LedgerEventKinds.StartVerwijderd, bericht, messageId, receivedOn, nummer, ProductText(p.Product), p.Begindatum)
                    {
                        DeletedReceivedOn = _starts[same].ReceivedOn,
                    });
                    _starts[same] = _starts[same] with { Current = false };
                    continue;
                }

                if (same >= 0)
                {
                    Reject(Code9074, "TR074", $"Er is al een startbericht met Begindatum {Date(p.Begindatum)} voor deze toewijzing.", location, nummer, p.Begindatum);
                    continue;
                }

                var open = _starts.FirstOrDefault(s => s.Toewijzing == nummer && s.Current && !_stops.Any(e => e.Toewijzing == nummer && e.Begindatum == s.Begindatum && e.Current));
                if (open is not null)
                {
                    Reject(Code9326, "TR326", $"De levering die op {Date(open.Begindatum)} begon is nog niet gestopt met een stopbericht.", location, nummer, p.Begindatum);
                    continue;
                }

                _starts.Add(new StartState(nummer, p.Begindatum, true, messageId, receivedOn));
                _events.Add(new LedgerEvent(LedgerEventKinds.Start, bericht, messageId, receivedOn, nummer, ProductText(p.Product ?? ProductOf(toewijzing)), p.Begindatum)
                {
                    Toewijzingsdatum = toewijzing.Toewijzingsdatum,
                });
            }
        }

        public void Stops(Wmo307 m)
        {
            _client = new ClientInfo(m.Client.Geboortedatum, m.Client.Geslacht, m.Client.Naam);
            var products = m.Client.StopProducten;
            for (var i = 0; i < products.Count; i++)
            {
                _assessed++;
                var p = products[i];
                var location = "/Bericht/Client/StopProducten/" + Indexed("StopProduct", i);
                var toewijzing = Link(m.Header.Afzender, p.ToewijzingNummer, p.Product, p.ToewijzingIngangsdatum);
                if (toewijzing is null)
                {
                    Reject(Code9019, "TR019", "Het stopbericht kan niet gekoppeld worden aan een toewijzing aan deze aanbieder.", location, p.ToewijzingNummer, p.Begindatum);
                    continue;
                }

                var nummer = toewijzing.Nummer;
                var sameKey = _stops.FindIndex(s => s.Toewijzing == nummer && s.Begindatum == p.Begindatum && s.RedenBeeindiging == p.RedenBeeindiging && s.Current);
                if (p.StatusAanlevering == "3")
                {
                    if (sameKey < 0)
                    {
                        Reject(Code9063, "TR063", $"Er is geen eerder stopbericht met deze sleutel om te verwijderen.", location, nummer, p.Begindatum);
                        continue;
                    }

                    _stops[sameKey] = _stops[sameKey] with { Current = false };
                    Event(LedgerEventKinds.StopVerwijderd, nummer, ProductText(p.Product), p.Begindatum, p.Einddatum, p.RedenBeeindiging);
                    continue;
                }

                if (!_starts.Any(s => s.Toewijzing == nummer && s.Begindatum == p.Begindatum && s.Current))
                {
                    Reject(Code9069, "TR069", $"Er is geen actueel startbericht met Begindatum {Date(p.Begindatum)}.", location, nummer, p.Begindatum);
                    continue;
                }

                var current = _stops.Where(s => s.Toewijzing == nummer && s.Begindatum == p.Begindatum && s.Current).ToList();
                if (current.Any(s => !s.Temporary))
                {
                    Reject(Code9415, "TR415", "Deze levering is al definitief gestopt.", location, nummer, p.Begindatum);
                    continue;
                }

                if (p.RedenBeeindiging == "20" && current.Any(s => s.Temporary))
                {
                    Reject(Code9413, "TR413", "Deze levering is al tijdelijk gestopt (RedenBeeindiging 20).", location, nummer, p.Begindatum);
                    continue;
                }

                if (current.FirstOrDefault(s => p.Einddatum < s.Einddatum) is { } earlier)
                {
                    Reject(Code9414, "TR414", $"Einddatum {Date(p.Einddatum)} ligt voor de Einddatum {Date(earlier.Einddatum)} van de actuele stop.", location, nummer, p.Begindatum);
                    continue;
                }

                _stops.Add(new StopState(nummer, p.Begindatum, p.RedenBeeindiging, p.Einddatum, true, messageId, receivedOn));
                Event(LedgerEventKinds.Stop, nummer, ProductText(p.Product ?? ProductOf(toewijzing)), p.Begindatum, p.Einddatum, p.RedenBeeindiging);
            }
        }

        /// <summary>
        /// A retour: recorded with its codes; a start, stop or toewijzing of the heenbericht that the receiver rejected
        /// does not stand (it was "not received", WJ001), so it no longer counts for the chain rules.
        /// </summary>
        public void Retour(RetourBericht r, Guid? heenId)
        {
            var rejected = r.Classes.Where(c => c.Codes.Any(code => code != RetourCodes.GeenOpmerking)).ToList();
            Event(LedgerEventKinds.Retour, codes: r.IsApproved ? [] : [.. r.HeaderCodes, .. rejected.SelectMany(c => c.Codes).Where(c => c != RetourCodes.GeenOpmerking)]);
            if (heenId is not { } heen)
            {
                return;
            }

            foreach (var c in rejected)
            {
                var nummer = Long(c.Values, "ToewijzingNummer");
                var begin = Day(c.Values, "Begindatum");
                switch (c.ClassName)
                {
                    case "StartProduct":
                        Undo(_starts, s => s.MessageId == heen && s.Begindatum == begin && (nummer is null || s.Toewijzing == nummer), s => s with { Current = false });
                        break;
                    case "StopProduct":
                        Undo(_stops, s => s.MessageId == heen && s.Begindatum == begin && (nummer is null || s.Toewijzing == nummer), s => s with { Current = false });
                        break;
                    case "ToegewezenProduct":
                        _toewijzingen.RemoveAll(t => t.MessageId == heen && t.Nummer == nummer);
                        break;
                    case "EigenBijdragePeriode":
                        // The line answered the start, the stop, or both, whichever that WMO405 carried.
                        Undo(_cak, c => c.Begindatum == begin && c.Awaits(heen), c => c.Answer(heen, [.. CodesOn(rejected, begin)], receivedOn));
                        break;
                }
            }

            // A WMO406 answers every period of its WMO405: a rejection of the whole message or of the client rejects
            // them all; otherwise what it did not reject, the CAK accepted.
            if (r.Type == MessageCatalog.Wmo406)
            {
                var whole = r.HeaderCodes.Concat(rejected.Where(c => c.ClassName == "Client").SelectMany(c => c.Codes))
                    .Where(code => code != RetourCodes.GeenOpmerking).Distinct().ToList();
                Undo(_cak, c => c.Awaits(heen), c => c.Answer(heen, whole.Count > 0 ? whole : null, receivedOn));
            }
        }

        private static IEnumerable<string> CodesOn(IEnumerable<ClassCodes> rejected, DateOnly? begin) =>
            rejected.Where(c => c.ClassName == "EigenBijdragePeriode" && Day(c.Values, "Begindatum") == begin).SelectMany(c => c.Codes)
                .Where(code => code != RetourCodes.GeenOpmerking).Distinct();

        private static void Undo<T>(List<T> items, Func<T, bool> match, Func<T, T> change)
        {
            for (var i = 0; i < items.Count; i++)
            {
                if (match(items[i]))
                {
                    items[i] = change(items[i]);
                }
            }
        }

        /// <summary>
        /// TR019: the toewijzing a start or stop belongs to, given to this aanbieder and not deleted. Without a
        /// ToewijzingNummer the product and the toewijzing's Ingangsdatum must identify exactly one.
        /// </summary>
        private ToewijzingState? Link(string aanbieder, long? nummer, Product? product, DateOnly? ingangsdatum)
        {
            var candidates = _toewijzingen.Where(t => t.Aanbieder == aanbieder && !t.Deleted);
            if (nummer is { } n)
            {
                return candidates.FirstOrDefault(t => t.Nummer == n);
            }

            var matches = candidates.Where(t => product is not null && t.Categorie == product.Categorie
                && (product.Code is null || t.ProductCode == product.Code)
                && (ingangsdatum is null || t.Ingangsdatum == ingangsdatum)).ToList();
            return matches.Count == 1 ? matches[0] : null;
        }

        private void Reject(string code, string rule, string message, string location, long? toewijzing, DateOnly datum)
        {
            _findings.Add(new Finding(code, rule, message, location));
            Event(LedgerEventKinds.Afgewezen, toewijzing, datum: datum, codes: [code], reden: rule);
        }

        private static Product? ProductOf(ToewijzingState t) => t.Categorie is null ? null : new Product(t.Categorie, t.ProductCode);

        private static string Date(DateOnly d) => d.ToString("dd-MM-yyyy", CultureInfo.InvariantCulture);

        private static long? Long(IReadOnlyDictionary<string, string> values, string name) =>
            values.TryGetValue(name, out var v) && long.TryParse(v, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : null;

        private static DateOnly? Day(IReadOnlyDictionary<string, string> values, string name) =>
            values.TryGetValue(name, out var v) && DateOnly.TryParseExact(v, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var d) ? d : null;
    }
}
