using System.Globalization;
using System.Text;
using Wmo.Hub;
using Wmo.Hub.Dashboard;
using Wmo.Hub.Detection;

namespace Wmo.Functions;

/// <summary>How the dashboard measures (configuration <c>Dashboard__…</c>).</summary>
/// <param name="LeadTimeNormDays">The norm of the lead-time page: working days from toewijzing to start.</param>
public sealed record DashboardOptions(int LeadTimeNormDays = 10);

/// <summary>
/// Supplier lead times, what the 2025 Amsterdam audit found gemeenten could not see: per supplier (and product
/// category) the working days from toewijzing to the start of delivery and to the start's report, for a period, with
/// a monthly report per supplier to print or download for the performance dialogue.
/// </summary>
internal static partial class DashboardPages
{
    /// <summary>The scope a caller may see: a gemeente its own, a supplier its own, the CAK liaison and admin any.</summary>
    private static (string? Gemeente, string? Aanbieder) LeadTimeScope(Caller caller, HttpRequest request) => caller.Role switch
    {
        Role.Gemeente or Role.GemeenteOfficer => (caller.Party, Empty(request.Query["aanbieder"])),
        Role.Aanbieder or Role.SupplierOfficer => (Empty(request.Query["gemeente"]), caller.Party),
        _ => (Empty(request.Query["gemeente"]), Empty(request.Query["aanbieder"])),
    };

    private static DateOnly? Day(string? value) => QueryDates.Day(value);

    private static async Task<IResult> LeadTimesAsync(HttpContext http, Sessions sessions, LeadTimes leadTimes, DetectionOptions detection, DashboardOptions options, TimeProvider time, CancellationToken ct)
    {
        if (await SessionAsync(http, sessions, ct) is not { } session)
        {
            return SignIn();
        }

        var today = Wmo.Messages.DutchTime.Today(time);
        var to = Day(http.Request.Query["tot"]) ?? today;
        var from = Day(http.Request.Query["van"]) ?? new DateOnly(to.Year, to.Month, 1).AddMonths(-5);
        if (from > to)
        {
            (from, to) = (to, from);
        }

        var (gemeente, aanbieder) = LeadTimeScope(session.Caller, http.Request);
        var rows = await leadTimes.QueryAsync(gemeente, aanbieder, from, to, ct);
        var norm = options.LeadTimeNormDays;
        var perSupplier = LeadTimeReport.Compute(rows, detection.Calendar, norm, byCategory: false);
        var perCategory = LeadTimeReport.Compute(rows, detection.Calendar, norm, byCategory: true);

        var html = new StringBuilder();
        html.Append(CultureInfo.InvariantCulture, $"""
            <p>Hoe lang aanbieders erover doen: van de toewijzing (WMO301, toewijzingsdatum) tot de start van de levering
            (WMO305, begindatum) en tot de melding van die start bij de gemeente. In werkdagen, voor de startberichten die in de
            gekozen periode binnenkwamen{(gemeente is null ? "" : $" bij gemeente {E(gemeente)}")}. Norm: start binnen {N(norm)} werkdagen na de toewijzing.</p>
            <form method="get" action="/dashboard/levertijden" class="filters">
              <label>Van <input type="date" name="van" value="{from:yyyy-MM-dd}"></label>
              <label>Tot en met <input type="date" name="tot" value="{to:yyyy-MM-dd}"></label>
              {(session.Caller.Role is Role.CakLiaison or Role.Admin ? $"""<label>Gemeente <input name="gemeente" value="{E(gemeente)}" size="6"></label>""" : "")}
              {(session.Caller.Role is Role.Aanbieder or Role.SupplierOfficer ? "" : $"""<label>Aanbieder <input name="aanbieder" value="{E(aanbieder)}" size="10"></label>""")}
              <button type="submit">Toon</button>
            </form>
            """);
        html.Append(LeadTimeTable("Per aanbieder", perSupplier, withCategory: false, gemeente, to, norm));
        html.Append(LeadTimeTable("Per aanbieder en productcategorie", perCategory, withCategory: true, gemeente, null, norm));
        return Html(Layout("Levertijden van aanbieders", session, html.ToString()), StatusCodes.Status200OK);
    }

    /// <param name="reportMonth">When given, a column links each supplier to its monthly report of that month.</param>
    private static string LeadTimeTable(string caption, IReadOnlyList<LeadTimeStats> stats, bool withCategory, string? gemeente, DateOnly? reportMonth, int norm)
    {
        var html = new StringBuilder();
        html.Append(CultureInfo.InvariantCulture, $"""
            <table class="levertijden">
            <caption>{E(caption)}</caption>
            <thead><tr><th scope="col">Aanbieder</th>{(withCategory ? "<th scope=\"col\">Categorie</th>" : "")}<th scope="col">Starts</th>
            <th scope="col">Mediaan tot start</th><th scope="col">P90 tot start</th><th scope="col">Binnen norm</th>
            <th scope="col">Mediaan tot melding</th><th scope="col">P90 tot melding</th><th scope="col">Verdeling (werkdagen tot start)</th>{(reportMonth is null ? "" : "<th scope=\"col\">Maandrapport</th>")}</tr></thead><tbody>
            """);
        foreach (var s in stats)
        {
            html.Append(CultureInfo.InvariantCulture, $"""
                <tr data-aanbieder="{E(s.Aanbieder)}"{(withCategory ? $" data-categorie=\"{E(s.Categorie)}\"" : "")}>
                  <th scope="row">{E(s.Aanbieder)}</th>{(withCategory ? $"<td>{E(s.Categorie ?? "–")}</td>" : "")}
                  <td class="num" data-field="starts">{N(s.Count)}</td>
                  <td class="num" data-field="mediaan">{Days(s.MedianToStart)}</td><td class="num" data-field="p90">{N(s.P90ToStart)}</td>
                  <td class="num" data-field="norm">{Percent(s.WithinNorm)}</td>
                  <td class="num" data-field="mediaan-melding">{Days(s.MedianToReport)}</td><td class="num" data-field="p90-melding">{N(s.P90ToReport)}</td>
                  <td>{Histogram(s.Histogram, norm)}</td>{(reportMonth is { } month ? $"<td><a href=\"{E(ReportLink(s.Aanbieder, month, gemeente))}\">{month:MM-yyyy}</a></td>" : "")}
                </tr>
                """);
        }

        if (stats.Count == 0)
        {
            html.Append(CultureInfo.InvariantCulture, $"<tr><td colspan=\"{8 + (withCategory ? 1 : 0) + (reportMonth is null ? 0 : 1)}\">Geen startberichten in deze periode.</td></tr>");
        }

        return html.Append("</tbody></table>").ToString();
    }

    private static string ReportLink(string aanbieder, DateOnly month, string? gemeente, string page = "rapport") =>
        $"/dashboard/levertijden/{page}?aanbieder={Uri.EscapeDataString(aanbieder)}&maand={month:yyyy-MM}{(gemeente is null ? "" : "&gemeente=" + Uri.EscapeDataString(gemeente))}";

    // Dutch month names: the host runs with invariant globalization, so no culture data.
    private static readonly string[] MonthNames = ["januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september", "oktober", "november", "december"];

    private static string Days(double days) => days.ToString(days % 1 == 0 ? "0" : "0.0", Dutch);

    private static string Percent(double share) => (share * 100).ToString("0", Dutch) + "%";

    /// <summary>
    /// The distribution of working days to start as an inline SVG bar chart: under each bar the first working day of
    /// its bucket (the axis), the counts as tooltips and as the text alternative.
    /// </summary>
    /// <remarks>Green: buckets within the norm; red: beyond it; blue: the bucket the norm falls in.</remarks>
    private static string Histogram(int[] counts, int norm)
    {
        const int Step = 20, Bars = 30;
        var max = Math.Max(1, counts.Max());
        var svg = new StringBuilder();
        for (var i = 0; i < counts.Length; i++)
        {
            var h = counts[i] * (Bars - 2.0) / max;
            svg.Append(CultureInfo.InvariantCulture, $"""<rect x="{i * Step}" y="{Bars - h:F1}" width="{Step - 3}" height="{h:F1}" fill="{(i < counts.Length - 1 && LeadTimeReport.Buckets[i + 1] - 1 <= norm ? "#2e7d32" : LeadTimeReport.Buckets[i] > norm ? "#a00000" : "#1f4e8c")}"><title>{LeadTimeReport.BucketLabel(i)} werkdagen: {counts[i]}</title></rect>""");
            svg.Append(CultureInfo.InvariantCulture, $"""<text x="{i * Step}" y="{Bars + 10}" font-size="9" fill="#444">{LeadTimeReport.Buckets[i]}{(i == counts.Length - 1 ? "+" : "")}</text>""");
        }

        var label = string.Join(", ", counts.Select((c, i) => $"{LeadTimeReport.BucketLabel(i)} werkdagen: {c}"));
        var width = counts.Length * Step;
        return $"""<svg class="histogram" width="{width}" height="{Bars + 12}" viewBox="0 0 {width} {Bars + 12}" role="img" aria-label="{E(label)}"><line x1="0" y1="{Bars + 0.5}" x2="{width}" y2="{Bars + 0.5}" stroke="#888" stroke-width="1"/>{svg}</svg>""";
    }

    /// <summary>The month a report covers (maand=yyyy-MM, default this month), as its first and last day.</summary>
    private static (DateOnly From, DateOnly To) Month(HttpRequest request, TimeProvider time)
    {
        var today = Wmo.Messages.DutchTime.Today(time);
        var first = QueryDates.Month(request.Query["maand"]) ?? new DateOnly(today.Year, today.Month, 1);
        return (first, first.AddMonths(1).AddDays(-1));
    }

    private static async Task<(DashboardSession? Session, IResult? Denied, string? Gemeente, string Aanbieder, DateOnly From, DateOnly To, List<LeadTime> Rows)> ReportRowsAsync(
        HttpContext http, Sessions sessions, LeadTimes leadTimes, TimeProvider time, CancellationToken ct)
    {
        if (await SessionAsync(http, sessions, ct) is not { } session)
        {
            return (null, SignIn(), null, string.Empty, default, default, []);
        }

        var (gemeente, aanbieder) = LeadTimeScope(session.Caller, http.Request);
        if (aanbieder is null)
        {
            return (session, Html(Layout("Maandrapport", session, "<p>Kies een aanbieder op de pagina Levertijden.</p>"), StatusCodes.Status400BadRequest), null, string.Empty, default, default, []);
        }

        var (from, to) = Month(http.Request, time);
        var rows = (await leadTimes.QueryAsync(gemeente, aanbieder, from, to, ct)).OrderBy(r => r.Ontvangen).ThenBy(r => r.ToewijzingNummer).ToList();
        return (session, null, gemeente, aanbieder, from, to, rows);
    }

    private static async Task<IResult> LeadTimeReportAsync(HttpContext http, Sessions sessions, LeadTimes leadTimes, DetectionOptions detection, DashboardOptions options, TimeProvider time, CancellationToken ct)
    {
        var (session, denied, gemeente, aanbieder, from, to, rows) = await ReportRowsAsync(http, sessions, leadTimes, time, ct);
        if (denied is not null)
        {
            return denied;
        }

        var calendar = detection.Calendar;
        var norm = options.LeadTimeNormDays;
        var month = $"{MonthNames[from.Month - 1]} {from.Year}";
        var html = new StringBuilder();
        html.Append(CultureInfo.InvariantCulture, $"""
            <p>Aanbieder <strong>{E(aanbieder)}</strong>{(gemeente is null ? "" : $", gemeente <strong>{E(gemeente)}</strong>")}; startberichten ontvangen van
            {Alerts.Date(from)} tot en met {Alerts.Date(to)}. Norm: start binnen {N(norm)} werkdagen na de toewijzing.
            <a href="{E(ReportLink(aanbieder, from, gemeente, "rapport.csv"))}">CSV</a> ·
            <a href="{E(ReportLink(aanbieder, from.AddMonths(-1), gemeente))}">vorige maand</a> ·
            <a href="{E(ReportLink(aanbieder, from.AddMonths(1), gemeente))}">volgende maand</a></p>
            """);
        html.Append(LeadTimeTable("Samenvatting", LeadTimeReport.Compute(rows, calendar, norm, byCategory: false), withCategory: false, gemeente, null, norm));
        html.Append(LeadTimeTable("Per productcategorie", LeadTimeReport.Compute(rows, calendar, norm, byCategory: true), withCategory: true, gemeente, null, norm));
        html.Append(CultureInfo.InvariantCulture, $"""
            <table class="starts"><caption>{N(rows.Count)} startberichten</caption>
            <thead><tr><th scope="col">Gemeente</th><th scope="col">Toewijzing</th><th scope="col">Categorie</th><th scope="col">Toewijzingsdatum</th>
            <th scope="col">Begindatum</th><th scope="col">Ontvangen</th><th scope="col">Werkdagen tot start</th><th scope="col">Werkdagen tot melding</th></tr></thead><tbody>
            """);
        foreach (var r in rows)
        {
            var days = r.DaysToStart(calendar);
            html.Append(CultureInfo.InvariantCulture, $"""
                <tr{(days > norm ? " class=\"boven-norm\"" : "")}><td>{E(r.Gemeente)}</td><td>{r.ToewijzingNummer}</td><td>{E(r.Categorie)}</td><td>{Alerts.Date(r.Toewijzingsdatum)}</td>
                <td>{Alerts.Date(r.Begindatum)}</td><td>{Alerts.Date(r.Ontvangen)}</td><td class="num">{N(days)}</td><td class="num">{N(r.DaysToReport(calendar))}</td></tr>
                """);
        }

        html.Append("</tbody></table>");
        return Html(Layout($"Levertijdenrapport {month}", session!, html.ToString()), StatusCodes.Status200OK);
    }

    private static async Task<IResult> LeadTimeCsvAsync(HttpContext http, Sessions sessions, LeadTimes leadTimes, DetectionOptions detection, DashboardOptions options, TimeProvider time, CancellationToken ct)
    {
        var (_, denied, _, aanbieder, from, _, rows) = await ReportRowsAsync(http, sessions, leadTimes, time, ct);
        if (denied is not null)
        {
            return denied;
        }

        var csv = new StringBuilder("gemeente;aanbieder;toewijzingnummer;categorie;toewijzingsdatum;begindatum;ontvangen;werkdagen_tot_start;werkdagen_tot_melding;binnen_norm\r\n");
        foreach (var r in rows)
        {
            var days = r.DaysToStart(detection.Calendar);
            csv.AppendJoin(';', new[]
            {
                r.Gemeente, r.Aanbieder, r.ToewijzingNummer.ToString(CultureInfo.InvariantCulture), r.Categorie ?? "",
                r.Toewijzingsdatum.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), r.Begindatum.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
                r.Ontvangen.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), days.ToString(CultureInfo.InvariantCulture),
                r.DaysToReport(detection.Calendar).ToString(CultureInfo.InvariantCulture), days <= options.LeadTimeNormDays ? "ja" : "nee",
            }.Select(Csv)).Append("\r\n");
        }

        // The aanbieder comes from the query: only safe characters go into a header (no CR/LF, quotes or non-ASCII).
        var name = new string([.. aanbieder.Where(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_')]);
        http.Response.Headers.ContentDisposition = $"attachment; filename=\"levertijden-{(name.Length == 0 ? "aanbieder" : name)}-{from:yyyy-MM}.csv\"";
        return Results.Text(csv.ToString(), "text/csv; charset=utf-8", Encoding.UTF8);
    }
}
