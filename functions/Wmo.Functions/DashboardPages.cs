using Microsoft.AspNetCore.Antiforgery;
using System.Globalization;
using System.Net;
using System.Text;
using Wmo.Hub;
using Wmo.Hub.Dashboard;

namespace Wmo.Functions;

/// <summary>
/// The dashboard (Dutch, server-rendered, works without JavaScript, printable): sign in with an API key in exchange
/// for a session cookie (HttpOnly, SameSite=Strict), the CAK backlog per gemeente and the alerts with filters,
/// acknowledgement and CSV export. Every form carries the session's CSRF token. Each role sees what the API shows it:
/// a gemeente its own gemeente, an aanbieder the alerts about it, the CAK liaison and admin everything.
/// </summary>
internal static partial class DashboardPages
{
    public const string Cookie = "wmo_sessie";
    private static readonly NumberFormatInfo Dutch = new() { NumberGroupSeparator = ".", NumberDecimalSeparator = "," };

    public static void MapDashboard(this IEndpointRouteBuilder app)
    {
        app.MapGet("/dashboard/inloggen", (HttpContext http, IAntiforgery antiforgery) => Html(LoginPage(http, antiforgery, null), StatusCodes.Status200OK));
        app.MapPost("/dashboard/inloggen", LoginAsync).DisableAntiforgery();
        app.MapPost("/dashboard/uitloggen", LogoutAsync).DisableAntiforgery();
        app.MapGet("/dashboard", BacklogAsync);
        app.MapGet("/dashboard/signalen", AlertsAsync);
        app.MapGet("/dashboard/signalen.csv", AlertsCsvAsync);
        app.MapPost("/dashboard/signalen/{id}/afhandelen", AcknowledgeAsync).DisableAntiforgery();
        app.MapGet("/dashboard/traject/{id}", TimelineAsync);
        app.MapGet("/dashboard/berichten", MessagesAsync);
        app.MapGet("/dashboard/berichten/poison", PoisonAsync);
        app.MapPost("/dashboard/berichten/poison/{id}/opnieuw", ReplayAsync).DisableAntiforgery();
        app.MapGet("/dashboard/berichten/{id}", MessageAsync);
        app.MapGet("/dashboard/levertijden", LeadTimesAsync);
        app.MapGet("/dashboard/levertijden/rapport", LeadTimeReportAsync);
        app.MapGet("/dashboard/levertijden/rapport.csv", LeadTimeCsvAsync);
    }

    private static IResult Html(string body, int status) => Results.Content(body, "text/html; charset=utf-8", Encoding.UTF8, status);

    private static async Task<DashboardSession?> SessionAsync(HttpContext http, Sessions sessions, CancellationToken ct) =>
        await sessions.FindAsync(http.Request.Cookies[Cookie], ct);

    private static IResult SignIn() => Results.Redirect("/dashboard/inloggen", permanent: false);

    private static bool SeesAll(Caller c) => c.Role is Role.CakLiaison or Role.Admin;

    private static async Task<IResult> LoginAsync(HttpContext http, ApiKeys keys, Sessions sessions, IAntiforgery antiforgery, CancellationToken ct)
    {
        // Login CSRF: only the sign-in form the hub itself served can sign in (ASP.NET Core antiforgery).
        if (!http.Request.HasFormContentType || !await antiforgery.IsRequestValidAsync(http))
        {
            return Html(LoginPage(http, antiforgery, "Dit formulier is verlopen of komt niet van deze site. Probeer het opnieuw."), StatusCodes.Status400BadRequest);
        }

        var form = await FormAsync(http, ct);
        var caller = await keys.AuthenticateAsync(form["sleutel"].ToString(), ct);
        if (caller is null || caller.Role == Role.Cak)
        {
            return Html(LoginPage(http, antiforgery, "Deze sleutel is onbekend of geeft geen toegang tot het dashboard."), StatusCodes.Status401Unauthorized);
        }

        var token = await sessions.StartAsync(caller, ct);
        http.Response.Cookies.Append(Cookie, token, new CookieOptions
        {
            HttpOnly = true, SameSite = SameSiteMode.Strict, Secure = http.Request.IsHttps, Path = "/dashboard", MaxAge = Sessions.Lifetime,
        });
        return Results.Redirect("/dashboard", permanent: false);
    }

    private static async Task<IResult> LogoutAsync(HttpContext http, Sessions sessions, CancellationToken ct)
    {
        if (await SessionAsync(http, sessions, ct) is { } session && await CsrfOkAsync(http, session, ct))
        {
            await sessions.EndAsync(http.Request.Cookies[Cookie]!, ct);
            http.Response.Cookies.Delete(Cookie, new CookieOptions { Path = "/dashboard" });
        }

        return SignIn();
    }

    private static async Task<bool> CsrfOkAsync(HttpContext http, DashboardSession session, CancellationToken ct) =>
        (await FormAsync(http, ct))["_csrf"].ToString() == session.Csrf;

    /// <summary>
    /// The posted form; empty when the request carries none (no body, JSON, anything but a form) or an unreadable one,
    /// so a wrong post is refused like a form without its fields, never answered 500.
    /// </summary>
    private static async Task<IFormCollection> FormAsync(HttpContext http, CancellationToken ct)
    {
        if (!http.Request.HasFormContentType)
        {
            return FormCollection.Empty;
        }

        try
        {
            return await http.Request.ReadFormAsync(ct);
        }
        catch (Exception ex) when (ex is InvalidDataException or IOException or BadHttpRequestException)
        {
            return FormCollection.Empty;
        }
    }

    /// <summary>The filter of the request with the caller's scope forced, as in the API.</summary>
    private static AlertFilter Scoped(Caller caller, AlertFilter filter) => caller.Role switch
    {
        Role.Gemeente or Role.GemeenteOfficer => filter with { Gemeente = caller.Party },
        Role.Aanbieder or Role.SupplierOfficer => filter with { Aanbieder = caller.Party },
        _ => filter,
    };

    /// <summary>Every alert a caller may see with the filter of the request (the CSV export).</summary>
    private static async Task<List<Alert>> AlertsForAsync(Alerts alerts, Caller caller, AlertFilter filter, CancellationToken ct)
    {
        filter = Scoped(caller, filter);
        var all = new List<Alert>();
        string? next = null;
        do
        {
            var (items, more) = await alerts.ListAsync(filter, 1000, next, ct);
            all.AddRange(items);
            next = more;
        }
        while (next is not null);
        return all;
    }

    private static async Task<IResult> BacklogAsync(HttpContext http, Sessions sessions, BacklogSnapshots backlog, string? sort, CancellationToken ct)
    {
        if (await SessionAsync(http, sessions, ct) is not { } session)
        {
            return SignIn();
        }

        var caller = session.Caller;
        if (caller.Role is Role.Aanbieder or Role.SupplierOfficer)
        {
            return Results.Redirect("/dashboard/signalen", permanent: false); // suppliers have no CAK backlog; their alerts
        }

        var (stored, computedAt) = await backlog.ReadAsync(caller.Role is Role.Gemeente or Role.GemeenteOfficer ? caller.Party : null, ct);
        var rows = sort switch
        {
            "personen" => [.. stored.OrderByDescending(r => r.Persons)],
            "oudste" => [.. stored.OrderBy(r => r.Oldest ?? DateTimeOffset.MaxValue)],
            "gemeente" => [.. stored.OrderBy(r => r.Gemeente, StringComparer.Ordinal)],
            _ => stored.OrderByDescending(r => r.Cents).ToList(),
        };
        var when = computedAt is { } at
            ? $"<p class=\"stand\">Stand van {E(Moment(at))}; bijgewerkt na elke controle en elke tien minuten.</p>"
            : "<p class=\"stand\">Nog niet berekend: de achterstand verschijnt na de eerste controle.</p>";
        return Html(Layout("Achterstand bij het CAK", session, BacklogTable(rows) + when), StatusCodes.Status200OK);
    }

    private static string BacklogTable(IReadOnlyList<BacklogRow> rows)
    {
        var html = new StringBuilder();
        html.Append("""
            <p>Per gemeente: cliënten van wie het CAK de start van de eigen bijdrage nog niet heeft geaccepteerd, hoeveel maanden
            daardoor op één factuur dreigen te komen, het bedrag, het oudste geval en openstaande afwijzingen door het CAK.
            Apart: voorspellingen (de aanbieder meldde de start nog niet, dus onbevestigd) en stapelfacturen die al vaststaan
            (het CAK accepteerde de start te laat; de gemeente informeert de cliënt).</p>
            <table>
            <caption>Achterstand per gemeente</caption>
            <thead><tr>
              <th scope="col"><a href="/dashboard?sort=gemeente">Gemeente</a></th>
              <th scope="col"><a href="/dashboard?sort=personen">Cliënten</a></th>
              <th scope="col">1 mnd</th><th scope="col">2 mnd</th><th scope="col">3–5 mnd</th><th scope="col">6+ mnd</th>
              <th scope="col"><a href="/dashboard?sort=bedrag">Bedrag</a></th>
              <th scope="col"><a href="/dashboard?sort=oudste">Oudste</a></th>
              <th scope="col">Afwijzingen open</th>
              <th scope="col">Laatste 12 weken</th>
              <th scope="col">Voorspeld (onbevestigd)</th>
              <th scope="col">Stapelfacturen per maand</th>
            </tr></thead><tbody>
            """);
        foreach (var r in rows)
        {
            html.Append(CultureInfo.InvariantCulture, $"""
                <tr data-gemeente="{E(r.Gemeente)}">
                  <th scope="row"><a href="/dashboard/signalen?gemeente={E(r.Gemeente)}">{E(r.Gemeente)}</a></th>
                  <td class="num" data-field="personen">{N(r.Persons)}</td>
                  <td class="num">{N(r.Months[0])}</td><td class="num">{N(r.Months[1])}</td><td class="num">{N(r.Months[2])}</td><td class="num">{N(r.Months[3])}</td>
                  <td class="num" data-field="bedrag">€ {Euro(r.Cents)}</td>
                  <td>{(r.Oldest is { } o ? E(o.ToString("d-M-yyyy", CultureInfo.InvariantCulture)) : "–")}</td>
                  <td class="num" data-field="afwijzingen">{N(r.RejectionsOpen)}</td>
                  <td>{Sparkline(r.Trend)}</td>
                  <td class="num" data-field="voorspeld">{N(r.Unconfirmed)}{(r.Unconfirmed > 0 ? $" (€ {Euro(r.UnconfirmedCents)})" : string.Empty)}</td>
                  <td data-field="stapelfacturen">{RealisedList(r.Realised)}</td>
                </tr>
                """);
        }

        if (rows.Count == 0)
        {
            html.Append("<tr><td colspan=\"12\">Geen achterstand.</td></tr>");
        }

        return html.Append("</tbody></table>").ToString();
    }

    /// <summary>The realised stapelfacturen of the recent months, e.g. "okt 2025: 3 (€ 210,00)"; months without any are left out.</summary>
    private static string RealisedList(IReadOnlyList<RealisedMonth> months)
    {
        var shown = months.Where(m => m.Persons > 0).Select(m => $"<span data-maand=\"{E(m.Month)}\">{E(MonthName(m.Month))}: {N(m.Persons)} (€ {Euro(m.Cents)})</span>").ToList();
        return shown.Count == 0 ? "–" : string.Join("<br>", shown);
    }

    private static readonly string[] ShortMonths = ["jan", "feb", "mrt", "apr", "mei", "jun", "jul", "aug", "sep", "okt", "nov", "dec"];

    private static string MonthName(string yyyyMM) =>
        ShortMonths[int.Parse(yyyyMM[5..], CultureInfo.InvariantCulture) - 1] + " " + yyyyMM[..4];

    /// <summary>A 12-week trend as an inline SVG polyline, with a text alternative for screen readers.</summary>
    private static string Sparkline(int[] values)
    {
        var max = Math.Max(1, values.Max());
        var points = string.Join(' ', values.Select((v, i) => string.Create(CultureInfo.InvariantCulture, $"{i * 10},{30 - (v * 28.0 / max):F1}")));
        return $"""<svg class="trend" width="110" height="32" viewBox="0 0 110 32" role="img" aria-label="Trend: {string.Join(", ", values)}"><polyline fill="none" stroke="#1f4e8c" stroke-width="2" points="{points}"/></svg>""";
    }

    private static AlertFilter Filter(HttpRequest request) => new(
        Empty(request.Query["eigenaar"]), Empty(request.Query["gemeente"]), Empty(request.Query["aanbieder"]), Empty(request.Query["regel"]),
        Empty(request.Query["ernst"]), Empty(request.Query["status"]));

    private static string? Empty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

    private const int AlertsPerPage = 200;
    private const int MostUrgent = 500;

    /// <summary>
    /// Within one gemeente (a gemeente officer, or a filter on a gemeente: one partition) every alert is read and the
    /// most urgent come first; across gemeenten (the CAK liaison, a supplier) the list goes page by page in storage
    /// order, each page sorted, so the page stays fast with a hundred thousand open alerts.
    /// </summary>
    private static async Task<IResult> AlertsAsync(HttpContext http, Sessions sessions, Alerts alerts, CancellationToken ct)
    {
        if (await SessionAsync(http, sessions, ct) is not { } session)
        {
            return SignIn();
        }

        var filter = Filter(http.Request);
        var scoped = Scoped(session.Caller, filter);
        List<Alert> items;
        string? next = null;
        string caption;
        if (scoped.Gemeente is not null || scoped.Aanbieder is not null)
        {
            // One gemeente (a partition) or one supplier (its own alerts): all of them, sorted here.
            var all = await AlertsForAsync(alerts, session.Caller, filter, ct);
            items = [.. Urgent(all).Take(MostUrgent)];
            caption = all.Count > MostUrgent ? $"{N(all.Count)} signalen; de {N(MostUrgent)} urgentste" : $"{N(all.Count)} signalen";
        }
        else if (scoped.Status != AlertStatus.Resolved)
        {
            // Across gemeenten: the urgency index, most urgent first over all of them, a page at a time.
            var from = Continuation(http.Request.Query["vanaf"]);
            var (page, more) = await alerts.ListUrgentAsync(scoped, AlertsPerPage, from, ct);
            items = [.. page];
            next = more is null ? null : Convert.ToBase64String(Encoding.UTF8.GetBytes(more));
            var pageNumber = int.TryParse(http.Request.Query["pagina"], out var p) && p is > 0 and < 100_000 ? p : 1;
            var range = $"{N((pageNumber - 1) * AlertsPerPage + (items.Count == 0 ? 0 : 1))}–{N((pageNumber - 1) * AlertsPerPage + items.Count)}";
            var unfiltered = filter == new AlertFilter() && SeesAll(session.Caller);
            var (open, critical, countedAt) = unfiltered ? await alerts.OpenCountAsync(ct) : (0, 0, null);
            caption = (unfiltered && countedAt is { } at
                    ? $"{N(open)} open signalen, waarvan {N(critical)} kritiek (geteld om {TimeZoneInfo.ConvertTime(at, Wmo.Messages.DutchTime.Zone):HH:mm}). "
                    : string.Empty)
                + $"De urgentste eerst, over alle gemeenten: signalen {range}{(next is null ? "" : $"; {AlertsPerPage} per pagina")}";
        }
        else
        {
            var from = Continuation(http.Request.Query["vanaf"]);
            var (page, more) = await alerts.ListAsync(scoped, AlertsPerPage, from, ct);
            items = [.. Urgent(page)];
            next = more is null ? null : Convert.ToBase64String(Encoding.UTF8.GetBytes(more));
            caption = $"{N(items.Count)} opgeloste signalen{(from is null ? "" : " (vervolg)")}";
        }

        var query = http.Request.QueryString.Value ?? string.Empty;
        var body = AlertsBody(filter, items, session, query, caption);
        if (next is not null)
        {
            var rest = string.Join('&', http.Request.Query.Where(q => q.Key is not ("vanaf" or "pagina")).Select(q => $"{Uri.EscapeDataString(q.Key)}={Uri.EscapeDataString(q.Value.ToString())}"));
            var following = (int.TryParse(http.Request.Query["pagina"], out var current) && current is > 0 and < 100_000 ? current : 1) + 1;
            body += $"""<p><a href="/dashboard/signalen?{E(rest)}{(rest.Length > 0 ? "&amp;" : "")}vanaf={E(Uri.EscapeDataString(next))}&amp;pagina={following}">Volgende {AlertsPerPage}</a></p>""";
        }

        return Html(Layout("Signalen", session, body), StatusCodes.Status200OK);
    }

    private static IEnumerable<Alert> Urgent(IEnumerable<Alert> alerts) =>
        alerts.OrderByDescending(a => a.Severity == AlertSeverity.Critical).ThenByDescending(a => a.AmountAtRiskCents ?? 0).ThenBy(a => a.DueSince);

    private static string? Continuation(string? token)
    {
        try
        {
            return string.IsNullOrEmpty(token) ? null : Encoding.UTF8.GetString(Convert.FromBase64String(token));
        }
        catch (FormatException)
        {
            return null; // a mangled link starts from the beginning
        }
    }

    private static string AlertsBody(AlertFilter f, IReadOnlyList<Alert> items, DashboardSession session, string query, string caption)
    {
        string Field(string name, string label, string? value) =>
            $"""<label>{label} <input name="{name}" value="{E(value)}" size="10"></label> """;
        var html = new StringBuilder();
        html.Append(CultureInfo.InvariantCulture, $"""
            <form method="get" action="/dashboard/signalen" class="filters">
              {Field("gemeente", "Gemeente", f.Gemeente)}{Field("aanbieder", "Aanbieder", f.Aanbieder)}{Field("regel", "Regel", f.Rule)}
              {Field("eigenaar", "Eigenaar", f.Owner)}
              <label>Ernst <select name="ernst"><option value="">alle</option><option value="critical"{(f.Severity == "critical" ? " selected" : "")}>kritiek</option><option value="warning"{(f.Severity == "warning" ? " selected" : "")}>waarschuwing</option></select></label>
              <label>Status <select name="status"><option value="">open en in behandeling</option><option value="open"{(f.Status == "open" ? " selected" : "")}>open</option><option value="acknowledged"{(f.Status == "acknowledged" ? " selected" : "")}>in behandeling</option><option value="resolved"{(f.Status == "resolved" ? " selected" : "")}>opgelost</option></select></label>
              <button type="submit">Filter</button>
              <a href="/dashboard/signalen.csv{E(query)}">CSV</a>
            </form>
            <table><caption>{E(caption)}</caption>
            <thead><tr><th scope="col">Ernst</th><th scope="col">Regel</th><th scope="col">Gemeente</th><th scope="col">Aanbieder</th><th scope="col">BSN</th>
            <th scope="col">Sinds</th><th scope="col">Maanden</th><th scope="col">Bedrag</th><th scope="col">Toelichting</th><th scope="col">Status</th></tr></thead><tbody>
            """);
        foreach (var a in items)
        {
            html.Append(CultureInfo.InvariantCulture, $"""
                <tr data-alert="{E(a.Id)}" class="{E(a.Severity)}">
                  <td>{(a.Severity == AlertSeverity.Critical ? "kritiek" : "waarschuwing")}</td><td>{E(a.Rule)}</td><td>{E(a.Gemeente)}</td><td>{E(a.Aanbieder)}</td><td>{(a.PersonId is { } person ? $"<a href=\"/dashboard/traject/{E(person)}\">{E(a.MaskedBsn)}</a>" : E(a.MaskedBsn))}</td>
                  <td>{E((a.DueSince ?? a.DetectedAt).ToString("d-M-yyyy", CultureInfo.InvariantCulture))}</td>
                  <td class="num">{(a.MonthsAtRisk is { } m ? N(m) : "")}</td><td class="num">{(a.AmountAtRiskCents is { } c ? "€ " + Euro(c) : "")}</td>
                  <td>{E(a.Explanation)}{(a.Note is { } note ? $"<br><em>Notitie: {E(note)}</em>" : "")}</td>
                  <td data-field="status">{StatusText(a.Status)}{(a.Status == AlertStatus.Resolved || !Permissions.May(session.Caller, HubAction.AcknowledgeAlert, a) ? "" : $"""
                    <form method="post" action="/dashboard/signalen/{E(a.Id)}/afhandelen">
                      <input type="hidden" name="_csrf" value="{E(session.Csrf)}">
                      <label>Notitie <input name="notitie" required maxlength="2000" size="16"></label>
                      <select name="afhandeling" aria-label="Afhandeling"><option value="behandeling">in behandeling</option>{(Permissions.May(session.Caller, HubAction.CloseAlert, a) ? "<option value=\"opgelost\">opgelost</option>" : "")}</select>
                      <button type="submit">Opslaan</button>
                    </form>
                    """)}</td>
                </tr>
                """);
        }

        return html.Append("</tbody></table>").ToString();
    }

    private static string StatusText(string status) => status switch
    {
        AlertStatus.Open => "open",
        AlertStatus.Acknowledged => "in behandeling",
        _ => "opgelost",
    };

    private static async Task<IResult> AlertsCsvAsync(HttpContext http, Sessions sessions, Alerts alerts, CancellationToken ct)
    {
        if (await SessionAsync(http, sessions, ct) is not { } session)
        {
            return SignIn();
        }

        var csv = new StringBuilder("id;regel;ernst;status;eigenaar;gemeente;aanbieder;toewijzingnummer;bsn;gedetecteerd;sinds;maanden;bedrag_cent;toelichting\r\n");
        foreach (var a in await AlertsForAsync(alerts, session.Caller, Filter(http.Request), ct))
        {
            csv.AppendJoin(';', new[]
            {
                a.Id, a.Rule, a.Severity, a.Status, a.Owner, a.Gemeente ?? "", a.Aanbieder ?? "", a.ToewijzingNummer?.ToString(CultureInfo.InvariantCulture) ?? "",
                a.MaskedBsn ?? "", a.DetectedAt.ToString("O", CultureInfo.InvariantCulture), a.DueSince?.ToString("O", CultureInfo.InvariantCulture) ?? "",
                a.MonthsAtRisk?.ToString(CultureInfo.InvariantCulture) ?? "", a.AmountAtRiskCents?.ToString(CultureInfo.InvariantCulture) ?? "", a.Explanation,
            }.Select(Csv)).Append("\r\n");
        }

        http.Response.Headers.ContentDisposition = "attachment; filename=\"signalen.csv\"";
        return Results.Text(csv.ToString(), "text/csv; charset=utf-8", Encoding.UTF8);
    }

    // Quoted when needed; a leading = + - @ is neutralised so a spreadsheet does not run it as a formula.
    private static string Csv(string value)
    {
        if (value.Length > 0 && "=+-@".Contains(value[0], StringComparison.Ordinal))
        {
            value = "'" + value;
        }

        return value.IndexOfAny([';', '"', '\r', '\n']) >= 0 ? "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : value;
    }

    private static async Task<IResult> AcknowledgeAsync(HttpContext http, Sessions sessions, Alerts alerts, string id, CancellationToken ct)
    {
        if (await SessionAsync(http, sessions, ct) is not { } session)
        {
            return SignIn();
        }

        if (!await CsrfOkAsync(http, session, ct))
        {
            return Html(Layout("Niet toegestaan", session, "<p>Dit formulier is verlopen. Laad de pagina opnieuw.</p>"), StatusCodes.Status403Forbidden);
        }

        var form = await FormAsync(http, ct);
        var note = form["notitie"].ToString().Trim();
        var caller = session.Caller;
        if (note.Length > Alerts.MaxNoteLength)
        {
            return Html(Layout("Notitie te lang", session,
                $"<p>Een notitie is hoogstens {Alerts.MaxNoteLength} tekens; deze heeft er {note.Length}. Er is niets opgeslagen. Ga terug en maak de notitie korter.</p>"), StatusCodes.Status400BadRequest);
        }

        var close = form["afhandeling"] == "opgelost";
        if (await alerts.GetAsync(id, ct) is { } found && Permissions.May(caller, HubAction.ReadAlert, found)
            && (!Permissions.May(caller, HubAction.AcknowledgeAlert, found) || (close && !Permissions.May(caller, HubAction.CloseAlert, found))))
        {
            return Html(Layout("Niet toegestaan", session,
                $"<p>Dit signaal is voor {E(found.Owner)} om af te handelen. U kunt het inzien, maar niet {(close ? "afsluiten" : "wijzigen")}.</p>"), StatusCodes.Status403Forbidden);
        }

        var acknowledged = note.Length == 0 ? null : await alerts.AcknowledgeAsync(id, note, a => Permissions.May(caller, HubAction.AcknowledgeAlert, a), ct);
        if (acknowledged is not null && close)
        {
            // Closed by hand: if the cause is still there, the next scan raises it again (as a new occurrence).
            await alerts.ResolveAsync(acknowledged.Gemeente, acknowledged.Id, $"Afgesloten door {caller.Party} ({RoleText(caller.Role)}): {acknowledged.Note}", ct);
        }

        var done = acknowledged is not null;
        return done
            ? Results.Redirect(http.Request.Headers.Referer.ToString() is { Length: > 0 } back && back.Contains("/dashboard/signalen", StringComparison.Ordinal) ? back : "/dashboard/signalen", permanent: false)
            : Html(Layout("Niet gevonden", session, "<p>Dit signaal bestaat niet of is niet van u, of de notitie ontbreekt.</p>"), StatusCodes.Status404NotFound);
    }

    private static string LoginPage(HttpContext http, IAntiforgery antiforgery, string? error) => Page("Inloggen", $"""
        <main>
        <h1>Wmo-integratielaag — inloggen</h1>
        {(error is null ? "" : $"<p role=\"alert\" class=\"fout\">{E(error)}</p>")}
        <form method="post" action="/dashboard/inloggen">
          <input type="hidden" name="{WebSecurity.AntiforgeryField}" value="{E(antiforgery.GetAndStoreTokens(http).RequestToken)}">
          <label for="sleutel">API-sleutel</label>
          <input id="sleutel" name="sleutel" type="password" autocomplete="off" required>
          <button type="submit">Inloggen</button>
        </form>
        <p>U krijgt toegang tot wat uw organisatie en rol mogen zien.</p>
        </main>
        """);

    private static string Layout(string title, DashboardSession session, string body) => Page(title, $"""
        <header>
          <nav aria-label="Hoofdmenu">
            <a href="/dashboard">Achterstand</a> · <a href="/dashboard/signalen">Signalen</a> · <a href="/dashboard/levertijden">Levertijden</a> · <a href="/dashboard/berichten">Berichten</a>
          </nav>
          <form method="post" action="/dashboard/uitloggen" class="uit">
            <span>{E(session.Caller.Party)} ({E(RoleText(session.Caller.Role))})</span>
            <input type="hidden" name="_csrf" value="{E(session.Csrf)}">
            <button type="submit">Uitloggen</button>
          </form>
        </header>
        <main>
        <h1>{E(title)}</h1>
        {body}
        </main>
        """);

    private static string RoleText(Role role) => role switch
    {
        Role.Gemeente or Role.GemeenteOfficer => "gemeente",
        Role.Aanbieder or Role.SupplierOfficer => "aanbieder",
        Role.CakLiaison => "CAK-liaison",
        Role.Admin => "beheer",
        _ => role.ToString(),
    };

    private static string Page(string title, string body) => $$"""
        <!DOCTYPE html>
        <html lang="nl">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>{{E(title)}} — Wmo-integratielaag</title>
        <style>
          body { font-family: system-ui, sans-serif; margin: 1.5rem; color: #1a1a1a; }
          header { display: flex; justify-content: space-between; align-items: center; border-bottom: 1px solid #ccc; padding-bottom: .5rem; }
          table { border-collapse: collapse; width: 100%; margin: 1rem 0; }
          caption { text-align: left; font-weight: bold; padding: .3rem 0; }
          th, td { text-align: left; padding: .35rem .5rem; border-bottom: 1px solid #ddd; vertical-align: top; }
          td.num { text-align: right; font-variant-numeric: tabular-nums; }
          tr.critical td:first-child { color: #a00000; font-weight: bold; }
          .fout { color: #a00000; font-weight: bold; }
          a { color: #1f4e8c; }
          :focus { outline: 3px solid #f7a600; }
          @media print { header, form, .filters { display: none; } body { margin: 0; } }
        </style>
        </head>
        <body>
        {{body}}
        </body>
        </html>
        """;

    private static string E(string? s) => WebUtility.HtmlEncode(s ?? string.Empty);

    private static string N(long n) => n.ToString("N0", Dutch);

    private static string Euro(long cents) => Wmo.Hub.Detection.Scanner.Euro(cents);
}
