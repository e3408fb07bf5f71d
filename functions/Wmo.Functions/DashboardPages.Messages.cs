using System.Globalization;
using System.Text;
using Wmo.Hub;
using Wmo.Hub.Dashboard;

namespace Wmo.Functions;

/// <summary>
/// Messages: search by party, type, period and status, each with its status history; and for the admin the poisoned
/// messages with a replay button. A gemeente or supplier sees the messages it sent or received, the CAK liaison those
/// with the CAK, the admin all.
/// </summary>
internal static partial class DashboardPages
{
    private const int MessagesPerPage = 50;

    /// <summary>The party whose messages a caller searches: its own, the CAK's for the liaison, any for the admin (null: all).</summary>
    private static string? MessageScope(Caller caller, HttpRequest request) => caller.Role switch
    {
        Role.Admin => Empty(request.Query["partij"]),
        Role.CakLiaison => Routing.Cak,
        _ => caller.Party,
    };

    private static bool MaySee(Caller caller, MessageRecord m) =>
        caller.Role == Role.Admin || m.Concerns(caller.Role == Role.CakLiaison ? Routing.Cak : caller.Party);

    private static async Task<IResult> MessagesAsync(HttpContext http, Sessions sessions, Tracking tracking, TimeProvider time, CancellationToken ct)
    {
        if (await SessionAsync(http, sessions, ct) is not { } session)
        {
            return SignIn();
        }

        var today = Wmo.Messages.DutchTime.Today(time);
        var to = Day(http.Request.Query["tot"]) ?? today;
        var from = Day(http.Request.Query["van"]) ?? to.AddDays(-30);
        if (from > to)
        {
            (from, to) = (to, from);
        }

        if (to.DayNumber - from.DayNumber > 366)
        {
            from = to.AddDays(-366); // one year at most per search
        }

        var party = MessageScope(session.Caller, http.Request);
        var type = Empty(http.Request.Query["type"])?.ToUpperInvariant();
        var status = Empty(http.Request.Query["status"]);
        var after = Empty(http.Request.Query["na"]);

        // Read the index in slices and keep those with the asked status, until a page is full (bounded: a status
        // filter on a long period shows what the first slices hold and offers the next page).
        var rows = new List<(MessageRecord Message, string Cursor, string? Status)>();
        string? cursor = after;
        for (var slice = 0; slice < 10 && rows.Count < MessagesPerPage; slice++)
        {
            var found = await tracking.SearchAsync(party, type, from, to, cursor, MessagesPerPage, ct);
            var latest = await Task.WhenAll(found.Select(async f => (await tracking.HistoryAsync(f.Message.Id, ct))?.Current));
            rows.AddRange(found.Select((f, i) => (f.Message, f.Cursor, latest[i])).Where(r => status is null || r.Item3 == status));
            if (found.Count < MessagesPerPage)
            {
                cursor = null;
                break;
            }

            cursor = found[^1].Cursor;
        }

        // The next page starts after the last row shown; rows read beyond the page are read again then.
        var more = rows.Count > MessagesPerPage ? rows[MessagesPerPage - 1].Cursor : cursor;
        rows = [.. rows.Take(MessagesPerPage)];

        string Option(string value, string label, string? current) => $"<option value=\"{E(value)}\"{(value == current ? " selected" : "")}>{E(label)}</option>";
        var query = $"van={from:yyyy-MM-dd}&tot={to:yyyy-MM-dd}" + (party is null || session.Caller.Role != Role.Admin ? "" : "&partij=" + Uri.EscapeDataString(party))
            + (type is null ? "" : "&type=" + Uri.EscapeDataString(type)) + (status is null ? "" : "&status=" + Uri.EscapeDataString(status));
        var html = new StringBuilder();
        html.Append(CultureInfo.InvariantCulture, $"""
            <p>Berichten die {(party is null ? "de hub" : E(party))} verstuurde of ontving, nieuwste eerst, met hun laatste status.
            {(session.Caller.Role == Role.Admin ? "<a href=\"/dashboard/berichten/poison\">Vastgelopen berichten</a>" : "")}</p>
            <form method="get" action="/dashboard/berichten" class="filters">
              {(session.Caller.Role == Role.Admin ? $"""<label>Partij <input name="partij" value="{E(party)}" size="10"></label>""" : "")}
              <label>Type <input name="type" value="{E(type)}" size="7" placeholder="WMO305"></label>
              <label>Van <input type="date" name="van" value="{from:yyyy-MM-dd}"></label>
              <label>Tot en met <input type="date" name="tot" value="{to:yyyy-MM-dd}"></label>
              <label>Status <select name="status">{Option("", "alle", status)}{string.Concat(StatusNames.Select(s => Option(s.Key, s.Value, status)))}</select></label>
              <button type="submit">Zoek</button>
            </form>
            <table class="berichten"><caption>{N(rows.Count)} berichten{(more is null ? "" : " (meer op de volgende pagina)")}</caption>
            <thead><tr><th scope="col">Ontvangen</th><th scope="col">Bericht</th><th scope="col">Afzender</th><th scope="col">Geadresseerde</th>
            <th scope="col">Identificatie</th><th scope="col">Dagtekening</th><th scope="col">Status</th></tr></thead><tbody>
            """);
        foreach (var (m, _, s) in rows)
        {
            html.Append(CultureInfo.InvariantCulture, $"""
                <tr data-bericht="{m.Id:N}"><td><a href="/dashboard/berichten/{m.Id:N}">{E(Moment(m.ReceivedOn))}</a></td><td>{E(m.Bericht)}</td><td>{E(m.Afzender)}</td>
                <td>{E(m.Geadresseerde)}</td><td>{E(m.Identificatie)}</td><td>{Alerts.Date(m.Dagtekening)}</td><td data-field="status">{E(StatusName(s))}</td></tr>
                """);
        }

        if (rows.Count == 0)
        {
            html.Append("<tr><td colspan=\"7\">Geen berichten gevonden.</td></tr>");
        }

        html.Append("</tbody></table>");
        if (more is not null)
        {
            html.Append(CultureInfo.InvariantCulture, $"""<p><a href="/dashboard/berichten?{E(query)}&amp;na={E(Uri.EscapeDataString(more))}">Volgende {MessagesPerPage}</a></p>""");
        }

        return Html(Layout("Berichten", session, html.ToString()), StatusCodes.Status200OK);
    }

    private static readonly Dictionary<string, string> StatusNames = new()
    {
        [MessageStatus.Queued] = "in de wachtrij",
        [MessageStatus.Failed] = "mislukt (wordt opnieuw geprobeerd)",
        [MessageStatus.Poisoned] = "vastgelopen",
        [MessageStatus.Replayed] = "opnieuw aangeboden",
        [MessageStatus.Routed] = "verwerkt",
        [MessageStatus.Rejected] = "afgekeurd door de hub",
        [MessageStatus.Delivered] = "afgeleverd",
        [MessageStatus.Downloaded] = "opgehaald",
        [MessageStatus.Acknowledged] = "bevestigd",
        [MessageStatus.Answered] = "beantwoord",
    };

    private static string StatusName(string? status) => status is null ? "onbekend" : StatusNames.TryGetValue(status, out var name) ? name : status;

    private static string Moment(DateTimeOffset at) =>
        TimeZoneInfo.ConvertTime(at, Wmo.Messages.DutchTime.Zone).ToString("d-M-yyyy HH:mm", CultureInfo.InvariantCulture);

    private static async Task<IResult> MessageAsync(HttpContext http, Sessions sessions, Tracking tracking, string id, CancellationToken ct)
    {
        if (await SessionAsync(http, sessions, ct) is not { } session)
        {
            return SignIn();
        }

        if (!Guid.TryParse(id, out var messageId) || await tracking.HistoryAsync(messageId, ct) is not { } history || !MaySee(session.Caller, history.Message))
        {
            return Html(Layout("Niet gevonden", session, "<p>Dit bericht bestaat niet of u mag het niet zien.</p>"), StatusCodes.Status404NotFound);
        }

        var m = history.Message;
        var html = new StringBuilder();
        html.Append(CultureInfo.InvariantCulture, $"""
            <dl class="bericht">
              <dt>Bericht</dt><dd>{E(m.Bericht)}</dd><dt>Afzender</dt><dd>{E(m.Afzender)}</dd><dt>Geadresseerde</dt><dd>{E(m.Geadresseerde)}</dd>
              <dt>Identificatie</dt><dd>{E(m.Identificatie)}</dd><dt>Dagtekening</dt><dd>{Alerts.Date(m.Dagtekening)}</dd><dt>Ontvangen</dt><dd>{E(Moment(m.ReceivedOn))}</dd>
              {(m.Person is { } person && session.Caller.Role != Role.CakLiaison ? $"<dt>Traject</dt><dd><a href=\"/dashboard/traject/{E(person)}\">bekijk de keten van deze cliënt</a></dd>" : "")}
            </dl>
            <table class="historie"><caption>Statusgeschiedenis</caption><thead><tr><th scope="col">Moment</th><th scope="col">Status</th><th scope="col">Toelichting</th></tr></thead><tbody>
            """);
        foreach (var s in history.Statuses)
        {
            html.Append(CultureInfo.InvariantCulture, $"""<tr data-status="{E(s.Status)}"><td>{E(Moment(s.At))}</td><td>{E(StatusName(s.Status))}</td><td>{E(s.Detail)}</td></tr>""");
        }

        html.Append("</tbody></table><h2>Gekoppelde berichten</h2><ul>");
        foreach (var l in history.Links)
        {
            html.Append(CultureInfo.InvariantCulture, $"""<li><a href="/dashboard/berichten/{l.Id:N}">{E(l.Bericht)}</a> ({(l.Relation == "answers" ? "beantwoordt" : "beantwoord door")})</li>""");
        }

        html.Append(history.Links.Count == 0 ? "<li>Geen.</li></ul>" : "</ul>");
        return Html(Layout($"Bericht {m.Bericht} {m.Identificatie}", session, html.ToString()), StatusCodes.Status200OK);
    }

    private static async Task<IResult> PoisonAsync(HttpContext http, Sessions sessions, PoisonStore poison, CancellationToken ct)
    {
        if (await SessionAsync(http, sessions, ct) is not { } session)
        {
            return SignIn();
        }

        if (!Permissions.May(session.Caller, HubAction.ReplayPoison))
        {
            return Html(Layout("Niet toegestaan", session, "<p>Alleen beheer ziet vastgelopen berichten.</p>"), StatusCodes.Status403Forbidden);
        }

        var list = await poison.ListAsync(ct);
        var html = new StringBuilder();
        html.Append(CultureInfo.InvariantCulture, $"""
            <p>Berichten die na alle pogingen niet verwerkt konden worden. Herstel de oorzaak en bied het bericht opnieuw aan;
            dat kan één keer per keer dat het vastliep.</p>
            <table class="poison"><caption>{N(list.Count)} vastgelopen berichten</caption>
            <thead><tr><th scope="col">Vastgelopen</th><th scope="col">Bericht</th><th scope="col">Afzender</th><th scope="col">Reden</th><th scope="col">Keer</th><th scope="col">Actie</th></tr></thead><tbody>
            """);
        foreach (var p in list)
        {
            html.Append(CultureInfo.InvariantCulture, $"""
                <tr data-poison="{p.Id:N}"><td>{E(Moment(p.PoisonedOn))}</td><td><a href="/dashboard/berichten/{p.Id:N}">{E(p.Bericht)}</a></td><td>{E(p.Afzender)}</td>
                <td>{E(p.Reason)}</td><td class="num">{N(p.Poisonings)}</td><td data-field="actie">{(p.ReplayedOn is { } replayed ? $"opnieuw aangeboden op {E(Moment(replayed))}" : $"""
                  <form method="post" action="/dashboard/berichten/poison/{p.Id:N}/opnieuw">
                    <input type="hidden" name="_csrf" value="{E(session.Csrf)}">
                    <button type="submit">Opnieuw aanbieden</button>
                  </form>
                  """)}</td></tr>
                """);
        }

        if (list.Count == 0)
        {
            html.Append("<tr><td colspan=\"6\">Geen vastgelopen berichten.</td></tr>");
        }

        html.Append("</tbody></table>");
        return Html(Layout("Vastgelopen berichten", session, html.ToString()), StatusCodes.Status200OK);
    }

    private static async Task<IResult> ReplayAsync(HttpContext http, Sessions sessions, PoisonStore poison, string id, CancellationToken ct)
    {
        if (await SessionAsync(http, sessions, ct) is not { } session)
        {
            return SignIn();
        }

        if (!Permissions.May(session.Caller, HubAction.ReplayPoison) || !await CsrfOkAsync(http, session, ct))
        {
            return Html(Layout("Niet toegestaan", session, "<p>Alleen beheer biedt berichten opnieuw aan, met een geldig formulier.</p>"), StatusCodes.Status403Forbidden);
        }

        var (outcome, _) = Guid.TryParse(id, out var messageId) ? await poison.ReplayAsync(messageId, ct) : (ReplayOutcome.NotFound, null);
        return outcome switch
        {
            ReplayOutcome.Replayed => Results.Redirect("/dashboard/berichten/poison", permanent: false),
            ReplayOutcome.AlreadyReplayed => Html(Layout("Al opnieuw aangeboden", session, "<p>Dit bericht is al opnieuw aangeboden. Loopt het weer vast, dan staat het opnieuw in de lijst.</p>"), StatusCodes.Status409Conflict),
            _ => Html(Layout("Niet gevonden", session, "<p>Er is geen vastgelopen bericht met dit id.</p>"), StatusCodes.Status404NotFound),
        };
    }
}
