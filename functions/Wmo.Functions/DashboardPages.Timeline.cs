using System.Globalization;
using System.Text;
using Wmo.Hub;
using Wmo.Hub.Cak;
using Wmo.Hub.Chain;
using Wmo.Hub.Dashboard;
using Wmo.Messages.Retour;

namespace Wmo.Functions;

/// <summary>
/// One client's chain as a timeline: every message and retour the hub applied, with its business dates, the
/// eigen-bijdrage periods the gemeente's policy derives, what was sent to the CAK and what it answered, and the
/// rules that fired. Addressed by the opaque person id (never a BSN). A gemeente sees its own residents, a supplier
/// only the toewijzingen to it and their messages (not the eigen bijdrage), the CAK liaison and admin everyone.
/// </summary>
internal static partial class DashboardPages
{
    private static async Task<IResult> TimelineAsync(HttpContext http, Sessions sessions, LedgerStore ledger, Alerts alerts, CakLeg cak, TimeProvider time, string id, CancellationToken ct)
    {
        if (await SessionAsync(http, sessions, ct) is not { } session)
        {
            return SignIn();
        }

        var caller = session.Caller;
        var state = id.Length == 32 && id.All(char.IsAsciiHexDigitLower) ? await ledger.GetStateAsync(id, ct) : null;
        var supplier = caller.Role is Role.Aanbieder or Role.SupplierOfficer;
        var visible = state is not null && (SeesAll(caller)
            || (caller.Role is Role.Gemeente or Role.GemeenteOfficer && state.Gemeente == caller.Party)
            || (supplier && state.Toewijzingen.Any(t => t.Aanbieder == caller.Party)));
        if (!visible)
        {
            // Unknown and not yours look the same, so ids cannot be probed.
            return Html(Layout("Niet gevonden", session, "<p>Dit traject bestaat niet of u mag het niet zien.</p>"), StatusCodes.Status404NotFound);
        }

        var today = Wmo.Messages.DutchTime.Today(time);
        var mine = supplier ? state!.Toewijzingen.Where(t => t.Aanbieder == caller.Party).Select(t => t.Nummer).ToHashSet() : null;
        var entries = (await ledger.EntriesAsync(id, ct)).OrderBy(e => e.At).ToList();
        var personAlerts = (await alerts.ListAsync(new AlertFilter(Gemeente: state!.Gemeente, PersonId: id), 1000, null, ct)).Items
            .Where(a => !supplier || a.Aanbieder == caller.Party || a.Owner == caller.Party).OrderBy(a => a.DetectedAt).ToList();
        var policy = cak.Policies.For(state.Gemeente);
        var periods = supplier ? [] : EigenBijdragePlanner.Derive(state, policy, cak.Tariffs, today);

        var html = new StringBuilder();
        html.Append(CultureInfo.InvariantCulture, $"""
            <p>Cliënt met BSN <strong>{E(MessageRules.Mask(state.Bsn))}</strong> bij gemeente <strong>{E(state.Gemeente)}</strong>.
            {(supplier ? "U ziet alleen de toewijzingen aan uw organisatie." : $"Beleid eigen bijdrage: de bijdrage start op de datum van {PolicyText(policy.Start.ToString())} en stopt op die van {PolicyText(policy.Stop.ToString())}.")}</p>
            """);
        html.Append(TimelineChart(state, mine, periods, today));

        html.Append("<h2>Berichten</h2><ol class=\"tijdlijn\">");
        foreach (var e in entries)
        {
            var events = e.Events.Where(ev => mine is null || (ev.ToewijzingNummer is { } n && mine.Contains(n))).ToList();
            if (mine is not null && events.Count == 0)
            {
                continue; // a supplier sees the messages about its own toewijzingen only
            }

            html.Append(CultureInfo.InvariantCulture, $"""
                <li data-bericht="{E(e.Bericht)}"><time datetime="{e.At:yyyy-MM-dd}">{Alerts.Date(Wmo.Messages.DutchTime.DateOf(e.At))}</time>
                <strong>{E(e.Bericht)}</strong> {E(MessageName(e.Bericht))}<ul>
                """);
            foreach (var ev in events)
            {
                html.Append(CultureInfo.InvariantCulture, $"<li>{E(Describe(ev))}</li>");
            }

            foreach (var f in e.Findings)
            {
                html.Append(CultureInfo.InvariantCulture, $"<li class=\"fout\">Afgekeurd door de hub: retourcode {E(f.RetourCode)} ({E(f.Rule)}): {E(f.Message)}</li>");
            }

            if (!supplier && e.Outbox.Any(o => o.Kind == OutboxItem.Wmo405))
            {
                html.Append("<li>Eigen-bijdrageperiode(n) doorgegeven aan het CAK (WMO405).</li>");
            }

            html.Append("</ul></li>");
        }

        if (entries.Count == 0)
        {
            html.Append("<li>Nog geen berichten.</li>");
        }

        html.Append("</ol>");

        if (!supplier)
        {
            html.Append("""
                <h2>Eigen bijdrage</h2>
                <table class="perioden"><caption>Perioden volgens het beleid en wat het CAK ervan weet</caption>
                <thead><tr><th scope="col">Begindatum</th><th scope="col">Einddatum</th><th scope="col">Categorie</th><th scope="col">Bij het CAK</th></tr></thead><tbody>
                """);
            foreach (var p in periods)
            {
                var atCak = state.Cak.Where(c => c.Begindatum == p.Begindatum).OrderBy(c => c.SentOn).LastOrDefault();
                html.Append(CultureInfo.InvariantCulture, $"""
                    <tr data-periode="{p.Begindatum:yyyy-MM-dd}"><td>{Alerts.Date(p.Begindatum)}</td><td>{(p.Einddatum is { } end ? Alerts.Date(end) : "–")}</td><td>{E(p.ProductCategorie)}</td>
                    <td data-field="cak">{CakStatus(atCak)}</td></tr>
                    """);
            }

            if (periods.Count == 0)
            {
                html.Append("<tr><td colspan=\"4\">Geen periode met eigen bijdrage.</td></tr>");
            }

            html.Append("</tbody></table>");
        }

        html.Append("<h2>Signalen</h2><ul class=\"signalen\">");
        foreach (var a in personAlerts)
        {
            html.Append(CultureInfo.InvariantCulture, $"""
                <li data-alert="{E(a.Id)}" class="{E(a.Severity)}"><strong>{E(a.Rule)}</strong> ({(a.Severity == AlertSeverity.Critical ? "kritiek" : "waarschuwing")}, {StatusText(a.Status)},
                {Alerts.Date(Wmo.Messages.DutchTime.DateOf(a.DetectedAt))}): {E(a.Explanation)}{(a.Resolution is { } r ? $" <em>Opgelost: {E(r)}</em>" : "")}</li>
                """);
        }

        if (personAlerts.Count == 0)
        {
            html.Append("<li>Geen signalen.</li>");
        }

        html.Append("</ul>");
        return Html(Layout("Traject", session, html.ToString()), StatusCodes.Status200OK);
    }

    private static string PolicyText(string moment) => moment switch
    {
        nameof(StartMoment.Toewijzing) => "de toewijzing (WMO301)",
        nameof(StartMoment.Start) => "het startbericht (WMO305)",
        nameof(StopMoment.Stop) => "het stopbericht (WMO307)",
        nameof(StartMoment.Declaratie) => "de declaratie (WMO323)",
        _ => moment,
    };

    /// <summary>The CAK's side of a period: the start, and the stop as a fact of its own.</summary>
    private static string CakStatus(CakPeriodState? c) => c is null
        ? "nog niet verzonden"
        : "start " + Answer(c.Status, c.SentOn, c.AnsweredOn, c.Codes)
          + (c.StopStatus is { } stop && c.Einddatum is { } end ? $"; stop per {Alerts.Date(end)} " + Answer(stop, c.StopSentOn ?? c.SentOn, c.StopAnsweredOn, c.StopCodes) : string.Empty);

    private static string Answer(string status, DateTimeOffset sent, DateTimeOffset? answered, IReadOnlyList<string>? codes) => status switch
    {
        CakPeriodState.Accepted => $"geaccepteerd ({Alerts.Date(Wmo.Messages.DutchTime.DateOf(answered ?? sent))})",
        CakPeriodState.Rejected => $"afgewezen ({Alerts.Date(Wmo.Messages.DutchTime.DateOf(answered ?? sent))}, retourcode {string.Join(", ", codes ?? [])})",
        CakPeriodState.Withdrawn => "ingetrokken",
        _ => $"verzonden op {Alerts.Date(Wmo.Messages.DutchTime.DateOf(sent))}, nog geen antwoord",
    };

    private static string MessageName(string bericht) => bericht switch
    {
        "WMO301" => "toewijzing",
        "WMO302" => "retour toewijzing",
        "WMO305" => "start levering",
        "WMO306" => "retour start",
        "WMO307" => "stop levering",
        "WMO308" => "retour stop",
        "WMO315" => "aanvraag toewijzing",
        "WMO316" => "retour aanvraag",
        "WMO317" => "wijzigingsverzoek",
        "WMO318" => "retour wijzigingsverzoek",
        "WMO319" => "antwoord op verzoek",
        "WMO320" => "retour antwoord",
        "WMO323" => "declaratie",
        "WMO325" => "declaratie-antwoord",
        "WMO405" => "start/stop eigen bijdrage naar het CAK",
        "WMO406" => "antwoord van het CAK",
        _ => string.Empty,
    };

    private static string Describe(LedgerEvent e)
    {
        string D(DateOnly? d) => d is { } v ? Alerts.Date(v) : "?";
        var t = e.ToewijzingNummer is { } n ? $"toewijzing {n}" : "het bericht";
        var codes = e.RetourCodes is { Count: > 0 } c ? string.Join(", ", c) : null;
        return e.Kind switch
        {
            LedgerEventKinds.Toewijzing => $"Toewijzing {e.ToewijzingNummer} ({e.Product}) van {D(e.Datum)} tot {D(e.Einddatum)}" + (e.Reden is { } r ? $", reden wijziging {r}" : string.Empty) + ".",
            LedgerEventKinds.ToewijzingVerwijderd => $"Toewijzing {e.ToewijzingNummer} ingetrokken.",
            LedgerEventKinds.Start => $"Start van de levering op {D(e.Datum)} ({t}" + (e.Toewijzingsdatum is { } td ? $", toegewezen op {D(td)}" : string.Empty) + ").",
            LedgerEventKinds.StartVerwijderd => $"Startbericht van {D(e.Datum)} ({t}) verwijderd.",
            LedgerEventKinds.Stop => $"Stop van de levering op {D(e.Einddatum)} ({t}, reden {e.Reden}).",
            LedgerEventKinds.StopVerwijderd => $"Stopbericht van {D(e.Einddatum)} ({t}) verwijderd.",
            LedgerEventKinds.Afgewezen => $"Afgewezen ({t}): retourcode {codes} ({e.Reden}).",
            LedgerEventKinds.Aanvraag => $"Aanvraag van {e.Product} vanaf {D(e.Datum)} (referentie {e.Reden}).",
            LedgerEventKinds.Wijzigingsverzoek => $"Wijzigingsverzoek (referentie {e.Reden}).",
            LedgerEventKinds.Antwoord => $"Antwoord op verzoek{(e.Reden is { } a ? $" ({a})" : string.Empty)}.",
            LedgerEventKinds.Declaratie => $"Declaratie ({t}) over {D(e.Datum)} – {D(e.Einddatum)}" + (e.Bedrag is { } b ? $": € {Euro(b)}" : string.Empty) + ".",
            LedgerEventKinds.DeclaratieAntwoord => "Declaratie-antwoord" + (codes is null ? " (goedgekeurd)." : $": retourcode {codes}."),
            LedgerEventKinds.Retour => codes is null ? "Retour: goedgekeurd." : $"Retour: afgekeurd met retourcode {codes}.",
            LedgerEventKinds.EigenBijdrage => $"Eigen-bijdrageperiode vanaf {D(e.Datum)}" + (e.Einddatum is { } end ? $" tot {D(end)}" : string.Empty) + (codes is null ? "." : $": retourcode {codes}."),
            _ => $"{e.Kind} ({t}).",
        };
    }

    /// <summary>
    /// The chain drawn over time (inline SVG): per toewijzing its span, the delivery between reported start and stop,
    /// and the eigen-bijdrage periods coloured by what the CAK did with them. Today is the dashed line.
    /// </summary>
    private static string TimelineChart(ChainState state, HashSet<long>? mine, IReadOnlyList<DerivedPeriod> periods, DateOnly today)
    {
        var toewijzingen = state.Toewijzingen.Where(t => mine is null || mine.Contains(t.Nummer)).ToList();
        var dates = toewijzingen.Select(t => t.Ingangsdatum).Concat(periods.Select(p => p.Begindatum)).Append(today).ToList();
        var first = dates.Min().AddDays(-7);
        var last = today.AddDays(14);
        var span = Math.Max(1, last.DayNumber - first.DayNumber);
        const int Left = 150, Width = 560, Row = 22;
        double X(DateOnly d) => Left + (Math.Clamp(d.DayNumber - first.DayNumber, 0, span) * (double)Width / span);
        var rows = new List<(string Label, string Bars)>();
        foreach (var t in toewijzingen)
        {
            var bars = new StringBuilder();
            bars.Append(Bar(X(t.Ingangsdatum), X(t.Einddatum ?? last), "#c9d7ea", $"Toewijzing {t.Nummer}: {Alerts.Date(t.Ingangsdatum)} – {(t.Einddatum is { } e ? Alerts.Date(e) : "open")}", 14));
            foreach (var s in state.CurrentStarts(t.Nummer))
            {
                var stop = state.CurrentStops(t.Nummer, s.Begindatum).Where(x => !x.Temporary).Select(x => (DateOnly?)x.Einddatum).FirstOrDefault();
                bars.Append(Bar(X(s.Begindatum), X(stop ?? today), "#1f4e8c", $"Levering: {Alerts.Date(s.Begindatum)} – {(stop is { } st ? Alerts.Date(st) : "loopt")}", 6));
            }

            rows.Add(($"Toewijzing {t.Nummer}", bars.ToString()));
        }

        foreach (var p in periods)
        {
            var atCak = state.Cak.Where(c => c.Begindatum == p.Begindatum).OrderBy(c => c.SentOn).LastOrDefault();
            var colour = atCak?.Status switch
            {
                CakPeriodState.Accepted => "#2e7d32",
                CakPeriodState.Rejected => "#a00000",
                CakPeriodState.Sent => "#f7a600",
                _ => "#a00000",
            };
            rows.Add(($"Eigen bijdrage {Alerts.Date(p.Begindatum)}", Bar(X(p.Begindatum), X(p.Einddatum ?? today), colour, $"Eigen bijdrage vanaf {Alerts.Date(p.Begindatum)}: {CakStatus(atCak)}", 14)));
        }

        var height = (rows.Count * Row) + 30;
        var svg = new StringBuilder();
        svg.Append(CultureInfo.InvariantCulture, $"""<svg class="tijdlijn" width="{Left + Width + 50}" height="{height}" viewBox="0 0 {Left + Width + 50} {height}" role="img" aria-label="Tijdlijn van {Alerts.Date(first)} tot {Alerts.Date(last)}; de lijst hieronder noemt elk bericht.">""");
        for (var m = new DateOnly(first.Year, first.Month, 1).AddMonths(1); m < last; m = m.AddMonths(1))
        {
            svg.Append(CultureInfo.InvariantCulture, $"""<line x1="{X(m):F1}" y1="0" x2="{X(m):F1}" y2="{height - 16}" stroke="#ddd"/><text x="{X(m) + 2:F1}" y="{height - 4}" font-size="10">{m:MM-yyyy}</text>""");
        }

        for (var i = 0; i < rows.Count; i++)
        {
            svg.Append(CultureInfo.InvariantCulture, $"""<g transform="translate(0,{i * Row})"><text x="0" y="15" font-size="11">{E(rows[i].Label)}</text>{rows[i].Bars}</g>""");
        }

        svg.Append(CultureInfo.InvariantCulture, $"""<line x1="{X(today):F1}" y1="0" x2="{X(today):F1}" y2="{height - 16}" stroke="#1a1a1a" stroke-dasharray="4 3"/></svg>""");
        return svg.ToString();
    }

    private static string Bar(double from, double to, string colour, string title, int height) =>
        string.Create(CultureInfo.InvariantCulture, $"""<rect x="{from:F1}" y="{(18 - height) / 2.0 + 2:F1}" width="{Math.Max(2, to - from):F1}" height="{height}" fill="{colour}"><title>{E(title)}</title></rect>""");
}
