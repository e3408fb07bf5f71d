using System.Globalization;
using Wmo.Hub;
using Wmo.Hub.Dashboard;
using Wmo.Hub.Detection;

namespace Wmo.Functions;

/// <summary>
/// <c>GET /api/levertijden</c>: the supplier lead times of the dashboard as JSON, for a gemeente's own reporting. A
/// gemeente gets its own, a supplier its own, the CAK liaison and admin any (filters <c>gemeente</c>, <c>aanbieder</c>);
/// <c>van</c>/<c>tot</c> (arrival of the WMO305, default the last six months), <c>perCategorie=true</c>.
/// </summary>
internal static class LeadTimeEndpoints
{
    public static void MapLeadTimeEndpoints(this IEndpointRouteBuilder app) => app.MapGet("/api/levertijden", ListAsync);

    private static async Task<IResult> ListAsync(HttpContext http, ApiKeys keys, LeadTimes leadTimes, DetectionOptions detection, DashboardOptions options, TimeProvider time,
        string? van, string? tot, string? gemeente, string? aanbieder, bool? perCategorie, CancellationToken ct)
    {
        if (await MailboxEndpoints.AuthenticateAsync(http, keys, ct) is not { } caller)
        {
            return Results.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "Unauthenticated", detail: "Send a valid API key in the X-Api-Key header.");
        }

        if (caller.Role == Role.Cak)
        {
            return Results.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Not allowed", detail: "The CAK has no supplier lead times.");
        }

        if (QueryDates.IsInvalidDay(van) || QueryDates.IsInvalidDay(tot))
        {
            return Results.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Invalid period",
                detail: $"van and tot are dates (yyyy-MM-dd) from {QueryDates.Earliest:yyyy-MM-dd} to {QueryDates.Latest:yyyy-MM-dd}.");
        }

        var to = QueryDates.Day(tot) ?? Wmo.Messages.DutchTime.Today(time);
        var from = QueryDates.Day(van) ?? new DateOnly(to.Year, to.Month, 1).AddMonths(-5);
        if (from > to)
        {
            return Results.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Invalid period", detail: "van is not after tot.");
        }

        (gemeente, aanbieder) = caller.Role switch
        {
            Role.Gemeente or Role.GemeenteOfficer => (caller.Party, aanbieder),
            Role.Aanbieder or Role.SupplierOfficer => (gemeente, caller.Party),
            _ => (gemeente, aanbieder),
        };
        var rows = await leadTimes.QueryAsync(gemeente, aanbieder, from, to, ct);
        var stats = LeadTimeReport.Compute(rows, detection.Calendar, options.LeadTimeNormDays, perCategorie == true);
        return Results.Json(new
        {
            van = from, tot = to, gemeente, aanbieder, normWerkdagen = options.LeadTimeNormDays,
            buckets = Enumerable.Range(0, LeadTimeReport.Buckets.Length).Select(LeadTimeReport.BucketLabel),
            items = stats.Select(s => new
            {
                aanbieder = s.Aanbieder, categorie = s.Categorie, starts = s.Count, mediaanTotStart = s.MedianToStart, p90TotStart = s.P90ToStart,
                binnenNorm = s.WithinNorm, mediaanTotMelding = s.MedianToReport, p90TotMelding = s.P90ToReport, histogram = s.Histogram,
            }),
        });
    }
}
